import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter as BullBoardFastifyAdapter } from '@bull-board/fastify';
import multipart from '@fastify/multipart';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import helmet, { type HelmetOptions } from 'helmet';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { DestinationStream } from 'pino';
import {
  LogController,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import { AppModule } from './app.module.js';
import { ACTOR_RESOLVER, ActorResolver } from './common/auth/actor-resolver.js';
import { authenticate } from './common/auth/auth.guard.js';
import { Role } from './common/auth/roles.js';
import type { CommonOptions } from './common/common.module.js';
import { requestContext } from './common/context/request-context.js';
import { DEFAULT_JSON_BODY, installJsonBody } from './common/http/json-body.js';
import { installFormBody } from './common/http/form-body.js';
import { createValidationPipe } from './common/http/validation.js';
import { useClockForDates } from './common/validation/date-time.js';
import { Clock } from './common/clock.js';
import { createPino, PinoLoggerService, redactUrl } from './common/logging/logger.js';
import { MetricsService } from './common/observability/metrics.js';
import { QueueService } from './common/queue/queue.service.js';

/** A client's X-Request-Id is kept (beside ours, never instead of it) only in this form. */
const CLIENT_REQUEST_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

/** The API answers JSON (and a printable sheet with its own policy): it loads nothing, embeds nowhere. */
const API_CSP = {
  'default-src': ["'none'"],
  'frame-ancestors': ["'none'"],
  'base-uri': ["'none'"],
  'form-action': ["'none'"],
};
/**
 * Swagger UI (/docs) and bull-board (/queues): their own scripts and styles, and the API they call.
 * Both put style attributes and <style> blocks in their HTML (and build more at run time), so styles
 * need 'unsafe-inline'; scripts never do. bull-board's Google Fonts stylesheet is left out on
 * purpose (no third-party request from a police workstation; the page falls back to system fonts).
 */
const UI_CSP = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'style-src': ["'self'", "'unsafe-inline'"],
  'img-src': ["'self'", 'data:'],
  'font-src': ["'self'", 'data:'],
  'connect-src': ["'self'"],
  'object-src': ["'none'"],
  'frame-ancestors': ["'none'"],
  'base-uri': ["'self'"],
  'form-action': ["'self'"],
};
const UI_ROUTE = /^\/(docs|queues)(\/|$)/;
const NO_STORE = /^\/(api|queues)(\/|\?|$)/;
/** One year; sent only on https requests (browsers ignore it over http anyway). */
const HSTS = 'max-age=31536000';

/** Logs a request once, when it completes, with what it was and how it ended. */
class OneLinePerRequest extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(
    error: Error | null | undefined,
    req: FastifyRequest,
    reply: FastifyReply,
  ): void {
    const line = {
      method: req.method,
      route: req.routeOptions.url ?? 'unmatched',
      url: redactUrl(req.url),
      statusCode: reply.statusCode,
      responseTimeMs: Math.round(reply.elapsedTime * 10) / 10,
    };
    if (error) reply.log.error({ ...line, err: error }, 'request errored');
    else reply.log.info(line, 'request completed');
  }
}

/** Builds the whole HTTP application (used by `npm start`, the worker entry and the tests). */
export async function createApp(
  options: CommonOptions & {
    /** Where log lines go; standard output when absent (tests read them from a stream). */
    logDestination?: DestinationStream;
  },
): Promise<NestFastifyApplication> {
  const pino = createPino(options.config.logLevel, options.logDestination);
  const adapter = new FastifyAdapter({
    loggerInstance: pino,
    trustProxy: options.config.trustProxy,
    // Small by default; the few routes that need more say so with @JsonBody (common/http/json-body.ts).
    bodyLimit: DEFAULT_JSON_BODY.maxBytes,
    requestIdHeader: false,
    // One log line per request, when it completes ('request completed'), not also when it comes in;
    // its id under the name every other line uses (the logger's mixin then adds no second one).
    logController: new OneLinePerRequest({ requestIdLogLabel: 'requestId' }),
    // Our own id for every request: a client cannot choose what the logs and the audit trail call
    // its request (nor reuse another request's id); its own X-Request-Id is recorded beside it.
    genReqId: () => randomUUID(),
  });
  const fastify = adapter.getInstance() as unknown as FastifyInstance;
  // Every response carries its request id; everything logged or audited during it knows the id.
  fastify.addHook('onRequest', (req, reply, done) => {
    void reply.header('x-request-id', req.id);
    const given = req.headers['x-request-id'];
    const clientRequestId =
      typeof given === 'string' && CLIENT_REQUEST_ID.test(given) ? given : undefined;
    requestContext.run(
      { requestId: String(req.id), clientRequestId, ip: req.ip, origin: 'http' },
      done,
    );
  });

  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(options),
    adapter,
    {
      logger: new PinoLoggerService(pino),
      bufferLogs: false,
    },
  );
  const resolver = app.get<ActorResolver>(ACTOR_RESOLVER);
  installJsonBody(app, fastify, async (req) => {
    try {
      return (await authenticate(req, resolver)) !== null;
    } catch {
      return false;
    }
  });
  const clock = app.get(Clock);
  useClockForDates(() => clock.nowMs());
  secureHeaders(fastify);
  // Multipart bodies (evidence uploads) are streamed, not buffered; a file over the limit is a 413.
  await app.register(multipart, {
    limits: { fileSize: options.config.evidenceMaxBytes },
    throwFileSizeLimit: true,
  });
  installFormBody(app);
  // The pages people open from a WeChat message sit outside the API's prefix: /m/…; so does the
  // dashboard's page with its files (they hold no data: the page reads it from /api/v1).
  app.setGlobalPrefix('api/v1', {
    exclude: ['health', 'metrics', 'm/deliveries/:id', 'dashboard', 'dashboard/:file'],
  });
  app.useGlobalPipes(createValidationPipe());

  const metrics = app.get(MetricsService);
  fastify.addHook('onResponse', (req, reply, done) => {
    const route = req.routeOptions.url ?? 'unmatched';
    metrics.observe(req.method, route, reply.statusCode, reply.elapsedTime / 1000);
    done();
  });

  const doc = new DocumentBuilder()
    .setTitle('Jingwang 净网 API')
    .setDescription(
      'Anti-fraud case tracking for police units: cases, linked cases (串并案), stop-payment and freeze orders, ' +
        'returned money, and scam warnings to community WeChat groups. Money is integer fen (分).',
    )
    .setVersion('1')
    .addBearerAuth()
    .addApiKey({ type: 'apiKey', in: 'header', name: 'X-Api-Key' }, 'bank-api-key')
    .build();
  SwaggerModule.setup('docs', app, () => SwaggerModule.createDocument(app, doc), {
    jsonDocumentUrl: 'docs-json',
  });

  await mountQueueDashboard(fastify, app.get(QueueService), resolver);
  return app;
}

/** Helmet's settings beside the CSP, the same for the API and the UIs. */
const HELMET: HelmetOptions = {
  frameguard: { action: 'deny' },
  referrerPolicy: { policy: 'no-referrer' },
  // Set below, on https requests only: behind TLS termination that is X-Forwarded-Proto with TRUST_PROXY.
  strictTransportSecurity: false,
};

/**
 * The headers helmet sets with these options, taken once: with no function among the CSP
 * directives (no nonces) they depend on nothing in a request.
 */
function helmetHeaders(options: HelmetOptions): Readonly<Record<string, string>> {
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader: (name: string, value: unknown) => void (headers[name.toLowerCase()] = String(value)),
    removeHeader: () => undefined,
  };
  helmet(options)({} as IncomingMessage, recorder as unknown as ServerResponse, (err) => {
    if (err) throw err instanceof Error ? err : new Error(String(err));
  });
  return Object.freeze(headers);
}

/**
 * Helmet's headers on every response (CSP, X-Frame-Options: DENY, nosniff, Referrer-Policy:
 * no-referrer, …), the UI's CSP on /docs and /queues, HSTS over https, and no caching of anything
 * under /api/v1 or /queues: those responses carry victims' data, evidence and audit records.
 * Helmet's headers are computed once and set on Fastify's reply: @fastify/helmet built helmet's
 * middleware again on every request (parsing the CSP each time) and set each header on the raw
 * response, which also sends Node's writeHead down its slow path; together ≈ 12 % of the CPU of a
 * cached `GET /cases/:id`.
 */
function secureHeaders(fastify: FastifyInstance): void {
  const api = helmetHeaders({
    ...HELMET,
    contentSecurityPolicy: { useDefaults: false, directives: API_CSP },
  });
  const ui = helmetHeaders({
    ...HELMET,
    contentSecurityPolicy: { useDefaults: false, directives: UI_CSP },
  });
  fastify.addHook('onRequest', (req, reply, done) => {
    // The route as registered (404s have none: the API's policy).
    void reply.headers(UI_ROUTE.test(req.routeOptions.url ?? '') ? ui : api);
    if (req.protocol === 'https') void reply.header('strict-transport-security', HSTS);
    done();
  });
  fastify.addHook('onSend', (req, reply, payload, done) => {
    if (NO_STORE.test(req.url)) void reply.header('cache-control', 'no-store');
    done(null, payload);
  });
}

/** bull-board at /queues, for admins only (bearer token, or the cookie set at login). */
async function mountQueueDashboard(
  fastify: FastifyInstance,
  queues: QueueService,
  resolver: ActorResolver,
) {
  const board = new BullBoardFastifyAdapter();
  board.setBasePath('/queues');
  createBullBoard({
    queues: queues.allQueues().map((q) => new BullMQAdapter(q, { readOnlyMode: false })),
    serverAdapter: board,
  });
  await fastify.register(
    async (scope) => {
      scope.addHook('onRequest', async (req: FastifyRequest, reply) => {
        const actor = await authenticate(req, resolver, { cookie: true });
        if (!actor || actor.role !== Role.Admin) {
          const status = actor ? 403 : 401;
          await reply.status(status).send({
            statusCode: status,
            error: status === 401 ? 'Unauthorized' : 'Forbidden',
            message: 'The queue dashboard is for admins; log in first',
            details: [],
            requestId: String(req.id),
          });
        }
      });
      await scope.register(board.registerPlugin() as never);
    },
    { prefix: '/queues' },
  );
}
