import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { type JobName, type JobPayloads, queueOf } from '../queue/jobs.js';
import { OutboxRepository } from './outbox.repository.js';

/**
 * The one way to enqueue work caused by a change: write the event in the change's transaction.
 * The relay moves it to BullMQ after commit, so a rolled-back change sends nothing and a queue-store
 * outage loses nothing.
 */
@Injectable()
export class OutboxService {
  constructor(private readonly repo: OutboxRepository) {}

  async add<N extends JobName>(
    em: EntityManager,
    name: N,
    payload: JobPayloads[N],
    delayMs = 0,
  ): Promise<string> {
    if (!em.queryRunner?.isTransactionActive) {
      throw new Error('OutboxService.add must run inside the transaction of the change');
    }
    const [id] = await this.repo.insert(em, [
      { queue: queueOf(name), jobName: name, payload, delayMs },
    ]);
    return id;
  }

  /**
   * Many events of one job name in one statement (e.g. one per delivery of a fan-out), in the
   * change's transaction like `add`. Returns the outbox row ids in payload order.
   */
  async addBulk<N extends JobName>(
    em: EntityManager,
    name: N,
    payloads: JobPayloads[N][],
    delayMs = 0,
  ): Promise<string[]> {
    if (!em.queryRunner?.isTransactionActive) {
      throw new Error('OutboxService.addBulk must run inside the transaction of the change');
    }
    return this.repo.insert(
      em,
      payloads.map((payload) => ({ queue: queueOf(name), jobName: name, payload, delayMs })),
    );
  }

  /**
   * Events whose payloads the database computes in the statement that makes the change, for
   * changes too large to carry through the process (a fan-out to 100,000 coordinators): `withSql`
   * is a WITH list (data-modifying CTEs allowed; parameters `params` as $1…) defining `payloads
   * (payload jsonb)`, each a payload of job `name`, and a one-row `summary` whose columns are
   * returned beside the number of events. In the change's transaction like `add`.
   */
  async addComputed(
    em: EntityManager,
    name: JobName,
    withSql: string,
    params: unknown[],
  ): Promise<{ events: number } & Record<string, unknown>> {
    if (!em.queryRunner?.isTransactionActive) {
      throw new Error('OutboxService.addComputed must run inside the transaction of the change');
    }
    return this.repo.insertComputed(em, queueOf(name), name, withSql, params);
  }
}
