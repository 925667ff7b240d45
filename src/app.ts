import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter as BullBoardFastifyAdapter } from '@bull-board/fastify';
import multipart from '@fastify/multipart';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { randomUUID } from 'node:crypto';
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
import { createValidationPipe } from './common/http/validation.js';
import { createPino, PinoLoggerService } from './common/logging/logger.js';
import { MetricsService } from './common/observability/metrics.js';
import { QueueService } from './common/queue/queue.service.js';

/** A client's X-Request-Id is kept (beside ours, never instead of it) only in this form. */
const CLIENT_REQUEST_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

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
      url: req.url,
      statusCode: reply.statusCode,
      responseTimeMs: Math.round(reply.elapsedTime * 10) / 10,
    };
    if (error) reply.log.error({ ...line, err: error }, 'request errored');
    else reply.log.info(line, 'request completed');
  }
}

/** Builds the whole HTTP application (used by `npm start`, the worker entry and the tests). */
export async function createApp(options: CommonOptions): Promise<NestFastifyApplication> {
  const pino = createPino(options.config.logLevel);
  const adapter = new FastifyAdapter({
    loggerInstance: pino,
    trustProxy: options.config.trustProxy,
    bodyLimit: 20 * 1024 * 1024,
    requestIdHeader: false,
    // One log line per request, when it completes ('request completed'), not also when it comes in.
    logController: new OneLinePerRequest(),
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
  // Multipart bodies (evidence uploads) are streamed, not buffered; a file over the limit is a 413.
  await app.register(multipart, {
    limits: { fileSize: options.config.evidenceMaxBytes },
    throwFileSizeLimit: true,
  });
  app.setGlobalPrefix('api/v1', { exclude: ['health', 'metrics'] });
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

  await mountQueueDashboard(fastify, app.get(QueueService), app.get<ActorResolver>(ACTOR_RESOLVER));
  return app;
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
