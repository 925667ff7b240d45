import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../../common/config/config.js';
import { PeriodicTask } from '../../common/periodic-task.js';
import { OutboxService } from '../../common/outbox/outbox.service.js';
import { WarningsRepository } from '../warnings/warnings.repository.js';
import { DeliveriesRepository } from './deliveries.repository.js';
import { DeliveriesService } from './deliveries.service.js';

/**
 * A job id lives only as long as the queue store keeps it: a Redis that restarts without
 * persistence forgets every waiting job. The rows do not forget, so this sweep enqueues again
 * (through the outbox) the deliveries whose job is long overdue and the fan-outs that never ran.
 * A duplicate job is harmless: the row's claim lets only one of them send.
 */
@Injectable()
export class AlertsSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('AlertsSweeper');
  private readonly task = new PeriodicTask('Sweep', this.logger, () => this.sweep());

  constructor(
    private readonly repo: DeliveriesRepository,
    private readonly warnings: WarningsRepository,
    private readonly deliveries: DeliveriesService,
    private readonly outbox: OutboxService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectDataSource() private readonly ds: DataSource,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.runWorkers) this.task.start(this.config.alerts.sweepIntervalMs);
  }

  /** One pass; returns how many deliveries and fan-outs it enqueued again. */
  async sweep(): Promise<{ deliveries: number; fanouts: number }> {
    const { sweepGraceMs, staleClaimMs } = this.config.alerts;
    return this.ds.transaction(async (em) => {
      const ids = await this.repo.overdueDeliveries(em, sweepGraceMs, staleClaimMs);
      await this.deliveries.enqueueIds(em, ids);
      const warnings = await this.warnings.warningsToFanOut(em, sweepGraceMs);
      if (warnings.length)
        await this.outbox.addBulk(
          em,
          'alerts-fanout',
          warnings.map((warningId) => ({ warningId })),
        );
      return { deliveries: ids.length, fanouts: warnings.length };
    });
  }

  onApplicationShutdown(): Promise<void> {
    return this.task.stop();
  }
}
