import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';

export interface OutboxRow {
  id: string;
  queue: string;
  job_name: string;
  payload: unknown;
  delay_ms: number;
  attempts: number;
}

/**
 * The relay's claim, run every pass: the oldest due rows not yet sent, skipping rows another relay
 * has locked. Served by the partial index outbox_pending_idx (only unsent rows), so its cost follows
 * the backlog, not the table; the repository tests check the plan.
 */
export const CLAIM_DUE_SQL = `SELECT id, queue, job_name, payload, delay_ms, attempts FROM outbox
       WHERE sent_at IS NULL AND available_at <= now()
       ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`;

/**
 * The statement of `insertComputed`: `withSql` (a WITH list, $1…$paramCount) defines `payloads
 * (payload jsonb)` and a one-row `summary`; the events go in with the queue and job name as the next
 * two parameters. Exported so a plan check can explain the statement the code runs.
 */
export function computedInsertSql(withSql: string, paramCount: number): string {
  return `WITH ${withSql},
   events AS (
     INSERT INTO outbox (queue, job_name, payload, delay_ms)
     SELECT $${paramCount + 1}, $${paramCount + 2}, payload, 0 FROM payloads RETURNING id
   )
   SELECT (SELECT count(*) FROM events)::int AS events, summary.* FROM summary`;
}

@Injectable()
export class OutboxRepository {
  async insert(
    em: EntityManager,
    rows: { queue: string; jobName: string; payload: unknown; delayMs: number }[],
  ): Promise<string[]> {
    if (!rows.length) return [];
    const result: { id: string }[] = await em.query(
      `INSERT INTO outbox (queue, job_name, payload, delay_ms)
       SELECT * FROM unnest($1::text[], $2::text[], $3::jsonb[], $4::int[]) RETURNING id`,
      [
        rows.map((r) => r.queue),
        rows.map((r) => r.jobName),
        rows.map((r) => JSON.stringify(r.payload)),
        rows.map((r) => r.delayMs),
      ],
    );
    return result.map((r) => String(r.id));
  }

  /**
   * Events the database computes from a change made in the same statement (see
   * `computedInsertSql`): nothing of the change passes through the process, however large.
   * Returns the number of events and the columns of `summary`.
   */
  async insertComputed(
    em: EntityManager,
    queue: string,
    jobName: string,
    withSql: string,
    params: unknown[],
  ): Promise<{ events: number } & Record<string, unknown>> {
    const rows: ({ events: number } & Record<string, unknown>)[] = await em.query(
      computedInsertSql(withSql, params.length),
      [...params, queue, jobName],
    );
    return rows[0];
  }

  /** Locks a batch of due rows; other relays skip them. Call inside a transaction. */
  async claimDue(em: EntityManager, limit: number): Promise<OutboxRow[]> {
    const rows: OutboxRow[] = await em.query(CLAIM_DUE_SQL, [limit]);
    return rows.map((r) => ({ ...r, id: String(r.id) }));
  }

  async markSent(em: EntityManager, ids: string[]): Promise<void> {
    await em.query(
      'UPDATE outbox SET sent_at = now(), last_error = NULL WHERE id = ANY($1::bigint[])',
      [ids],
    );
  }

  /** Pushes failed rows back with exponential backoff (capped at 10 s). */
  async markFailed(em: EntityManager, ids: string[], error: string): Promise<void> {
    await em.query(
      `UPDATE outbox SET attempts = attempts + 1, last_error = $2,
         available_at = now() + least(interval '10 seconds', interval '250 milliseconds' * power(2, attempts))
       WHERE id = ANY($1::bigint[])`,
      [ids, error.slice(0, 1000)],
    );
  }

  async pendingCount(em: EntityManager): Promise<number> {
    const rows: { n: string }[] = await em.query(
      'SELECT count(*) AS n FROM outbox WHERE sent_at IS NULL',
    );
    return Number(rows[0].n);
  }

  /** Sent rows are kept a while for inspection, then removed. */
  async purgeSent(em: EntityManager, olderThanHours: number): Promise<void> {
    await em.query(`DELETE FROM outbox WHERE sent_at < now() - make_interval(hours => $1)`, [
      olderThanHours,
    ]);
  }
}
