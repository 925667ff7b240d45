import { DynamicModule, Global, Module } from '@nestjs/common';
import { APP_FILTER, DiscoveryModule } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditController } from './audit/audit.controller';
import { AuditRepository } from './audit/audit.repository';
import { AuditService } from './audit/audit.service';
import { Clock } from './clock';
import { APP_CONFIG, AppConfig } from './config/config';
import { dataSourceOptions } from './database/data-source';
import { HealthController } from './health/health.controller';
import { AllExceptionsFilter } from './http/all-exceptions.filter';
import { MetricsController, MetricsService } from './observability/metrics';
import { OutboxRelayService } from './outbox/outbox-relay.service';
import { OutboxRepository } from './outbox/outbox.repository';
import { OutboxService } from './outbox/outbox.service';
import type { QueueBackend } from './queue/queue-backend';
import { QueueService } from './queue/queue.service';
import { QUEUE_BACKEND } from './queue/queue.tokens';
import { WorkerService } from './queue/worker.service';
import { RateLimiter } from './rate-limit/rate-limiter';

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
      imports: [DiscoveryModule, TypeOrmModule.forRoot(dataSourceOptions(options.databaseUrl))],
      controllers: [HealthController, MetricsController, AuditController],
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
        RateLimiter,
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
        RateLimiter,
        MetricsService,
        WorkerService,
      ],
    };
  }
}
