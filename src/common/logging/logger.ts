import { LoggerService } from '@nestjs/common';
import pino, { DestinationStream, Logger as Pino } from 'pino';
import { requestContext } from '../context/request-context.js';

/** Text that may echo a stored value: PostgreSQL quotes the offending input (`… uuid: "1380013…"`). */
const QUOTED = /"[^"]*"/g;
const maskQuoted = (text: string) => text.replace(QUOTED, '"…"');

/** Fields of a PostgreSQL error that name where it happened, never what was stored or asked for. */
const PG_FIELDS = [
  'code',
  'constraint',
  'table',
  'column',
  'schema',
  'dataType',
  'routine',
] as const;

type LoggedError = Record<string, unknown>;

/**
 * What a log line keeps of an error: its type, message and stack with quoted values masked, its
 * code, and for a database error where it happened and the SQL text. Never the SQL parameters
 * (TypeORM's `parameters`), PostgreSQL's `detail` (`Key (phone)=(…)`, the failing row) nor any
 * other property an error may carry (request headers, URLs with secrets): phones, card and ID
 * numbers and case narratives are SQL parameters here. A string (an `err: e.message`) is masked.
 */
export function serializeError(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return maskQuoted(value);
  if (!(value instanceof Error)) return value === undefined ? undefined : '[not an Error]';
  const e = value as Error & Record<string, unknown>;
  const message = maskQuoted(e.message);
  const frames = (e.stack ?? '').split('\n').filter((l) => /^\s+at /.test(l));
  const out: LoggedError = {
    type: e.name,
    message,
    stack: [`${e.name}: ${message}`, ...frames].join('\n'),
  };
  if (typeof e.code === 'string' || typeof e.code === 'number') out.code = e.code;
  if (typeof e.statusCode === 'number') out.statusCode = e.statusCode;
  const driver = e.driverError as Record<string, unknown> | undefined;
  const pg = driver && typeof driver === 'object' ? driver : e;
  for (const f of PG_FIELDS) if (typeof pg[f] === 'string') out[f] ??= pg[f];
  // The statement with its $1 placeholders, not its values.
  if (typeof e.query === 'string') out.query = e.query.slice(0, 2000);
  if (e.cause !== undefined && depth < 2) out.cause = serializeError(e.cause, depth + 1);
  return out;
}

let isoTimeMs = NaN;
let isoTimeField = '';

/**
 * pino's `isoTime` (`,"time":"2026-11-30T12:00:00.000Z"`), formatted once per millisecond: under
 * load many lines share one, and `toISOString` was ≈ 1 % of a cached `GET /cases/:id`.
 */
function isoTime(): string {
  const now = Date.now();
  if (now !== isoTimeMs) {
    isoTimeMs = now;
    isoTimeField = `,"time":"${new Date(now).toISOString()}"`;
  }
  return isoTimeField;
}

/**
 * JSON logs through pino. nestjs-pino 5 needs Node 22 and 4.x stops at NestJS 11, so this is the
 * small part of it we need: one pino instance shared by Fastify (request logs) and Nest (app logs),
 * with the request id of the current request on every line (from AsyncLocalStorage).
 */
export function createPino(level: string, destination?: DestinationStream): Pino {
  // A person at a terminal reads lines; anything else (a file, a pipe, a log collector) gets JSON.
  // Through process.stdout either way, as the start banner is: lines come out in the order written.
  const out = destination ?? (process.stdout.isTTY ? prettyDestination() : process.stdout);
  return pino(
    {
      level,
      base: { service: 'jingwang' },
      timestamp: isoTime,
      serializers: { err: serializeError, error: serializeError },
      // Headers are not logged at all (request lines name method, route and status); should one
      // ever be, its credentials are not.
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers["x-api-key"]',
          'req.headers.cookie',
          'headers.authorization',
          'headers["x-api-key"]',
          'headers.cookie',
          'res.headers["set-cookie"]',
        ],
        remove: true,
      },
      // Fastify's request loggers already carry the id (requestIdLogLabel: 'requestId'): one field per line.
      mixin(_obj, _level, logger) {
        const ctx = requestContext.get();
        if (!ctx || hasRequestId(logger)) return {};
        return { requestId: ctx.requestId };
      },
    },
    out,
  );
}

/**
 * Whether a logger's own fields already name the request. Read from its serialized fields (what
 * pino writes on each line) rather than `bindings()`, which parses them again for every line.
 */
function hasRequestId(logger: Pino): boolean {
  const chindings = (logger as unknown as Record<symbol, unknown>)[pino.symbols.chindingsSym];
  return typeof chindings === 'string' && chindings.includes(REQUEST_ID_FIELD);
}

const REQUEST_ID_FIELD = '"requestId":';
const LEVELS: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO ',
  40: 'WARN ',
  50: 'ERROR',
  60: 'FATAL',
};
/** Fields a readable line shows in its own place, or not at all. */
const SHOWN_APART = new Set(['level', 'time', 'service', 'msg', 'context', 'err', 'stack']);

/**
 * One JSON log line as a person reads it: `11:02:03 INFO  [Seed] Loaded demo data  key=value`,
 * an error's stack below. pino-pretty is not a dependency; this is the little of it we need.
 */
export function prettyLine(json: string): string {
  let e: Record<string, unknown>;
  try {
    e = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.endsWith('\n') ? json : `${json}\n`;
  }
  const time = typeof e.time === 'string' ? e.time.slice(11, 19) : '';
  const level = LEVELS[Number(e.level)] ?? String(e.level);
  const context = typeof e.context === 'string' ? `[${e.context}] ` : '';
  const fields = Object.entries(e)
    .filter(([k, v]) => !SHOWN_APART.has(k) && v !== undefined)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  const err = e.err as { stack?: string } | undefined;
  const stack =
    typeof err?.stack === 'string' ? err.stack : typeof e.stack === 'string' ? e.stack : '';
  return (
    `${time} ${level} ${context}${String(e.msg ?? '')}` +
    (fields.length ? `  ${fields.join(' ')}` : '') +
    (stack ? `\n${stack}` : '') +
    '\n'
  );
}

/** A pino destination writing readable lines to standard output (a terminal). */
function prettyDestination(): DestinationStream {
  return { write: (line: string) => void process.stdout.write(prettyLine(line)) };
}

/**
 * A request URL as logged: the path, and the query's parameter names with their values left out
 * (`/identifiers/lookup?kind=…&value=…`): query strings carry acknowledgement tokens, looked-up
 * phones and card numbers.
 */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const names = url
    .slice(q + 1)
    .split('&')
    .filter(Boolean)
    .map((pair) => {
      const name = pair.split('=')[0].slice(0, 40);
      return `${/^[\w.[\]-]*$/.test(name) ? name : '…'}=…`;
    });
  return `${url.slice(0, q)}?${names.join('&')}`;
}

/**
 * Nest's own start-up chatter (a line per module and per route, ~100 lines) is debug, so the
 * start banner is not buried. RoutesResolver is dropped: it prints each controller under the
 * global prefix even when the route is excluded from it (`{/api/v1/health}` for `/health`);
 * RouterExplorer's `Mapped {/health, GET}` lines (debug) name the real paths.
 */
const NEST_STARTUP = new Set([
  'InstanceLoader',
  'RouterExplorer',
  'NestFactory',
  'NestApplication',
]);

export class PinoLoggerService implements LoggerService {
  constructor(private readonly pino: Pino) {}

  private write(
    level: 'info' | 'error' | 'warn' | 'debug' | 'trace' | 'fatal',
    message: unknown,
    rest: unknown[],
  ) {
    const context =
      rest.length && typeof rest[rest.length - 1] === 'string' ? (rest.pop() as string) : undefined;
    if (message && typeof message === 'object' && !(message instanceof Error)) {
      const [msg] = rest as [string?];
      this.pino[level]({ context, ...(message as object) }, msg);
    } else if (message instanceof Error) {
      this.pino[level]({ context, err: message }, message.message);
    } else {
      const stack = level === 'error' && typeof rest[0] === 'string' ? rest[0] : undefined;
      this.pino[level]({ context, ...(stack ? { stack } : {}) }, String(message));
    }
  }

  log(message: unknown, ...rest: unknown[]) {
    const context = rest[rest.length - 1];
    if (context === 'RoutesResolver') return;
    this.write(
      typeof context === 'string' && NEST_STARTUP.has(context) ? 'debug' : 'info',
      message,
      rest,
    );
  }
  error(message: unknown, ...rest: unknown[]) {
    this.write('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]) {
    this.write('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]) {
    this.write('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]) {
    this.write('trace', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]) {
    this.write('fatal', message, rest);
  }
}
