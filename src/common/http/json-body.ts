import { HttpStatus } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { RouteConfig } from '@nestjs/platform-fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest, RequestPayload } from 'fastify';
import { ApiError, FieldProblem } from './errors.js';

/**
 * Bounds of a JSON request body (docs/ARCHITECTURE.md, Trust boundaries: every input is bounded). A hostile
 * body is refused before anything builds objects from it: its size by Fastify while it streams in
 * (413), its nesting and array lengths by a linear scan of the raw bytes before JSON.parse (400).
 */
export interface JsonBodyLimits {
  /** Bytes; the route's Fastify `bodyLimit`. */
  maxBytes: number;
  /** Levels of objects and arrays. */
  maxDepth: number;
  /** Items of any one array. */
  maxArrayLength: number;
}

/** Every route unless it says otherwise: logins, most writes, action endpoints. */
export const DEFAULT_JSON_BODY: JsonBodyLimits = {
  maxBytes: 64 * 1024,
  maxDepth: 32,
  maxArrayLength: 1000,
};

const CONFIG_KEY = 'jsonBody';
type RouteJsonConfig = { [CONFIG_KEY]?: Partial<JsonBodyLimits> };

/** Route decorator: this route's body may be larger, or hold longer arrays, than the default. */
export const JsonBody = (limits: Partial<JsonBodyLimits>) =>
  RouteConfig({ [CONFIG_KEY]: limits } satisfies RouteJsonConfig);

function limitsOf(config: unknown): JsonBodyLimits {
  return { ...DEFAULT_JSON_BODY, ...(config as RouteJsonConfig | undefined)?.[CONFIG_KEY] };
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;

/**
 * Checks nesting and array lengths of a JSON text in one pass over its bytes, without parsing
 * it: structural characters are ASCII and never occur inside a UTF-8 multi-byte sequence, and
 * strings (with their escapes) are skipped. Stops at the first problem, so a hostile body costs
 * only the bytes up to it. Answers the problem, or null (the text may still be malformed JSON,
 * which JSON.parse then says). The field is the path of the offending array when known (the key
 * names before it, array positions as numbers, like the validation errors), else `body`.
 */
export function scanJson(bytes: Uint8Array, limits: JsonBodyLimits): FieldProblem | null {
  // Per open container: whether it is an array, its commas so far (items - 1), its last key.
  const isArray: boolean[] = [];
  const commas: number[] = [];
  const keyStart: number[] = [];
  const keyEnd: number[] = [];
  let depth = 0;
  let expectKey = false;
  let stringStart = -1;
  const n = bytes.length;
  for (let i = 0; i < n; i++) {
    const c = bytes[i];
    if (stringStart >= 0) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) {
        if (expectKey && depth > 0 && !isArray[depth - 1]) {
          keyStart[depth - 1] = stringStart;
          keyEnd[depth - 1] = i;
        }
        stringStart = -1;
      }
      continue;
    }
    switch (c) {
      case QUOTE:
        stringStart = i + 1;
        break;
      case OPEN_OBJECT:
      case OPEN_ARRAY:
        if (depth >= limits.maxDepth) {
          return { field: 'body', problem: `must not be nested deeper than ${limits.maxDepth}` };
        }
        isArray[depth] = c === OPEN_ARRAY;
        commas[depth] = 0;
        keyStart[depth] = -1;
        depth++;
        expectKey = c === OPEN_OBJECT;
        break;
      case CLOSE_OBJECT:
      case CLOSE_ARRAY:
        if (depth > 0) depth--;
        expectKey = false;
        break;
      case COMMA:
        if (depth > 0) {
          if (isArray[depth - 1]) {
            if (++commas[depth - 1] >= limits.maxArrayLength) {
              return {
                field: pathOf(bytes, depth - 1, isArray, commas, keyStart, keyEnd),
                problem: `must contain at most ${limits.maxArrayLength} items`,
              };
            }
          } else expectKey = true;
        }
        break;
      case COLON:
        expectKey = false;
        break;
    }
  }
  return null;
}

/** The path to the container at `level`: keys of the objects and positions in the arrays above it. */
function pathOf(
  bytes: Uint8Array,
  level: number,
  isArray: boolean[],
  commas: number[],
  keyStart: number[],
  keyEnd: number[],
): string {
  const parts: string[] = [];
  for (let d = 0; d < level; d++) {
    if (isArray[d]) parts.push(String(commas[d]));
    else if (keyStart[d] >= 0) parts.push(keyName(bytes.subarray(keyStart[d], keyEnd[d])));
    else return 'body';
  }
  return parts.length ? parts.join('.') : 'body';
}

function keyName(raw: Uint8Array): string {
  const text = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('utf8');
  try {
    return String(JSON.parse(`"${text}"`)).slice(0, 100);
  } catch {
    return 'body';
  }
}

const refuse = (problem: FieldProblem) =>
  new ApiError(HttpStatus.BAD_REQUEST, `${problem.field} ${problem.problem}`, [problem]);

/**
 * Installs the bounds: the default size limit of the server and, through an onRoute hook, the
 * larger ones routes declare with `@JsonBody`; and the JSON parser that scans before parsing. Call
 * before `app.init()` (routes are registered then). An empty body is `{}`, so action endpoints
 * (approve, revoke) answer whether or not a client sends `content-type: application/json`.
 *
 * A route with a larger limit first asks `authenticated(req)`: a caller without valid credentials
 * gets its 401 before the body is read (the connection is closed rather than drained), so
 * anonymous clients can only ever make the server read the default 64 KiB.
 */
export function installJsonBody(
  app: NestFastifyApplication,
  fastify: FastifyInstance,
  authenticated: (req: FastifyRequest) => Promise<boolean>,
): void {
  fastify.addHook('onRoute', (route) => {
    const own = (route.config as RouteJsonConfig | undefined)?.[CONFIG_KEY]?.maxBytes;
    if (own === undefined) return;
    route.bodyLimit = own;
    if (own <= DEFAULT_JSON_BODY.maxBytes) return;
    const earlier = route.preParsing ?? [];
    route.preParsing = [
      ...(Array.isArray(earlier) ? earlier : [earlier]),
      async (req: FastifyRequest, reply: FastifyReply, payload: RequestPayload) => {
        if (await authenticated(req)) return payload;
        void reply.header('connection', 'close');
        throw new ApiError(HttpStatus.UNAUTHORIZED, 'Missing, invalid or revoked credentials');
      },
    ];
  });
  // Fastify's own parser: prototype poisoning refused, its errors in the one shape already.
  const parse = fastify.getDefaultJsonParser('error', 'error');
  app.useBodyParser(
    'application/json',
    { bodyLimit: DEFAULT_JSON_BODY.maxBytes },
    (req: FastifyRequest, body: Buffer, done) => {
      if (body.length === 0) return done(null, {});
      const problem = scanJson(body, limitsOf(req.routeOptions.config));
      if (problem) return done(refuse(problem), undefined);
      parse(req, body.toString('utf8'), done);
    },
  );
}
