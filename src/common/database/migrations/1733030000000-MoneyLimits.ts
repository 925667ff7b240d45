import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The amount ceiling (docs/DECISIONS.md, "Amount ceiling") in the database: every stored amount at
 * most 10^12 fen (MAX_AMOUNT_FEN in money.ts), a case's loss at most 10^13 fen (MAX_CASE_LOSS_FEN),
 * so that every sum the system keeps stays an exact JSON number. The stored sums that are not
 * listed are bounded by CHECKs already there: an order's frozen ≤ requested and recovered ≤ frozen,
 * a recovery's allocated ≤ its amount, a victim's allocations ≤ the victim's transfers.
 *
 * The numbers are written out, not imported: a migration says what it did on the day it ran; a
 * new ceiling is a new migration.
 *
 * Rows already over a bound are not repaired (which figure was the typo is for a person to decide
 * on the case file, and money records are evidence): the migration stops, naming them, and the
 * start fails until they are corrected.
 */
const LIMITS = [
  ['victim_transfers', 'amount_fen', 'victim_transfers_amount_fen_max', '1000000000000'],
  ['cases', 'loss_fen', 'cases_loss_fen_max', '10000000000000'],
  ['transfer_flags', 'amount_fen', 'transfer_flags_amount_fen_max', '1000000000000'],
  ['freeze_orders', 'requested_fen', 'freeze_orders_requested_fen_max', '1000000000000'],
  ['recoveries', 'amount_fen', 'recoveries_amount_fen_max', '1000000000000'],
  ['allocation_proposals', 'total_fen', 'allocation_proposals_total_fen_max', '1000000000000'],
  ['allocations', 'amount_fen', 'allocations_amount_fen_max', '1000000000000'],
] as const;

export class MoneyLimits1733030000000 implements MigrationInterface {
  name = 'MoneyLimits1733030000000';

  async up(q: QueryRunner): Promise<void> {
    const over: string[] = [];
    for (const [table, column, , max] of LIMITS) {
      const rows = (await q.query(
        `SELECT count(*)::int AS n, (array_agg(id::text ORDER BY id))[1:5] AS ids
         FROM ${table} WHERE ${column} > $1::bigint`,
        [max],
      )) as { n: number; ids: string[] | null }[];
      if (rows[0].n > 0)
        over.push(
          `${table}.${column} > ${max}: ${rows[0].n} row(s), e.g. ${rows[0].ids?.join(', ')}`,
        );
    }
    if (over.length)
      throw new Error(
        `Amounts over the ceiling (docs/DECISIONS.md, "Amount ceiling"); correct these rows, then start again:\n  ${over.join('\n  ')}`,
      );
    for (const [table, column, constraint, max] of LIMITS) {
      await q.query(
        `ALTER TABLE ${table} ADD CONSTRAINT ${constraint} CHECK (${column} <= ${max})`,
      );
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const [table, , constraint] of LIMITS) {
      await q.query(`ALTER TABLE ${table} DROP CONSTRAINT ${constraint}`);
    }
  }
}
