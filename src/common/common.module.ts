import { DynamicModule, Global, Module } from '@nestjs/common';
import { APP_FILTER, DiscoveryModule } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditEvent } from './audit/audit-event.entity.js';
import { AuditController } from './audit/audit.controller.js';
import { AuditEventsController } from './audit/audit-events.controller.js';
import { AuditRepository } from './audit/audit.repository.js';
import { AuditService } from './audit/audit.service.js';
import { Clock } from './clock.js';
import { APP_CONFIG, AppConfig } from './config/config.js';
import { dataSourceOptions } from './database/data-source.js';
import { HealthController } from './health/health.controller.js';
import { AllExceptionsFilter } from './http/all-exceptions.filter.js';
import { MetricsController, MetricsService } from './observability/metrics.js';
import { OutboxRelayService } from './outbox/outbox-relay.service.js';
import { OutboxRepository } from './outbox/outbox.repository.js';
import { OutboxService } from './outbox/outbox.service.js';
import type { QueueBackend } from './queue/queue-backend.js';
import { QueueService } from './queue/queue.service.js';
import { QUEUE_BACKEND } from './queue/queue.tokens.js';
import { WorkerService } from './queue/worker.service.js';

export interface CommonOptions {
  config: AppConfig;
  databaseUrl: string;
  queueBackend: QueueBackend;
}

/** Config, database, queues, outbox, audit, auth guard, errors, health and metrics. */
@Global()
@Module({})
export class CommonModule {
  static forRoot(options: CommonOptions): DynamicModule {
    return {
      module: CommonModule,
      imports: [
        DiscoveryModule,
        // Every module registers its own entities (forFeature); autoLoadEntities collects them.
        TypeOrmModule.forRoot({
          ...dataSourceOptions(
            options.databaseUrl,
            options.config.databasePool.max,
            [],
            options.config.databasePool.timeoutMs,
          ),
          autoLoadEntities: true,
        }),
        TypeOrmModule.forFeature([AuditEvent]),
      ],
      controllers: [HealthController, MetricsController, AuditController, AuditEventsController],
      providers: [
        { provide: APP_CONFIG, useValue: options.config },
        { provide: QUEUE_BACKEND, useValue: options.queueBackend },
        { provide: APP_FILTER, useClass: AllExceptionsFilter },
        QueueService,
        WorkerService,
        OutboxRepository,
        OutboxService,
        OutboxRelayService,
        AuditRepository,
        AuditService,
        MetricsService,
        Clock,
      ],
      exports: [
        Clock,
        APP_CONFIG,
        QUEUE_BACKEND,
        QueueService,
        OutboxService,
        OutboxRelayService,
        AuditService,
        MetricsService,
        WorkerService,
      ],
    };
  }
}
