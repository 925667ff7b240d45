// Rows the statistics and monthly-report repositories read, for repository tests, written as the
// superuser (db.admin) through the tables' ordinary INSERTs, so the rollup triggers run as they do
// for the app. Accounts, victims and recoveries come from the recoveries factories.
import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import {
  makeAccount,
  makeCaseWithVictim,
  makeOrder,
  makeRecovery,
} from '../recoveries/factories.js';

const one = async (admin: DataSource, sql: string, params: unknown[]): Promise<string> =>
  ((await admin.query(sql, params)) as { id: string }[])[0].id;

/** A case reported at `reportedAt` (an instant: its day is the Asia/Shanghai calendar day). */
export async function makeStatsCase(
  admin: DataSource,
  o: {
    unitId: string;
    reportedAt: string;
    fraudType?: string;
    status?: string;
    lossFen?: number;
  },
): Promise<string> {
  return one(
    admin,
    `INSERT INTO cases (case_no, fraud_type, status, summary, reported_at, unit_id, loss_fen)
     VALUES ($1, coalesce($2, (SELECT min(code) FROM fraud_types)), $3, '统计测试案件', $4, $5, $6)
     RETURNING id`,
    [
      `S-${randomBytes(6).toString('hex')}`,
      o.fraudType ?? null,
      o.status ?? 'reported',
      o.reportedAt,
      o.unitId,
      o.lossFen ?? 0,
    ],
  );
}

/** A stop-payment order on the case, requested `minutes` after its report. */
export async function makeOrderAfter(
  admin: DataSource,
  o: { caseId: string; unitId: string; bankUnitId: string; minutes: number; requestedFen?: number },
): Promise<string> {
  const identifierId = await makeAccount(admin, o.caseId);
  const id = await makeOrder(admin, {
    caseId: o.caseId,
    identifierId,
    unitId: o.unitId,
    bankUnitId: o.bankUnitId,
    kind: 'stop_payment',
    requestedFen: o.requestedFen ?? 100_000,
  });
  await admin.query(
    `UPDATE freeze_orders o SET requested_at = c.reported_at + make_interval(mins => $2),
       case_reported_at = c.reported_at
     FROM cases c WHERE o.id = $1 AND c.id = o.case_id`,
    [id, o.minutes],
  );
  return id;
}

/**
 * A ceremony held on `heldOn` by `hostUnitId`, with one confirmed allocation per amount (each a
 * fresh case, victim, order and recovery of the host); the first `signed` of them signed for.
 */
export async function makeCeremonyWith(
  admin: DataSource,
  o: {
    hostUnitId: string;
    bankUnitId: string;
    heldOn: string;
    title: string;
    amounts: number[];
    signed?: number;
  },
): Promise<string> {
  const ceremonyId = await one(
    admin,
    `INSERT INTO ceremonies (title, held_on, venue, host_unit_id) VALUES ($1, $2, '分局礼堂', $3) RETURNING id`,
    [o.title, o.heldOn, o.hostUnitId],
  );
  for (const [i, amount] of o.amounts.entries()) {
    const c = await makeCaseWithVictim(admin, o.hostUnitId, amount);
    const orderId = await makeOrder(admin, {
      caseId: c.caseId,
      identifierId: c.accountId,
      unitId: o.hostUnitId,
      bankUnitId: o.bankUnitId,
    });
    const recoveryId = await makeRecovery(admin, {
      orderId,
      caseId: c.caseId,
      unitId: o.hostUnitId,
      amountFen: amount,
    });
    const proposalId = await one(
      admin,
      `INSERT INTO allocation_proposals (recovery_id, method, parts, total_fen, proposed_at, status, confirmed_at)
       VALUES ($1, 'single_victim', '[]', $2, now(), 'confirmed', now()) RETURNING id`,
      [recoveryId, amount],
    );
    await admin.query(
      `INSERT INTO allocations (recovery_id, proposal_id, victim_id, case_id, unit_id, method, amount_fen,
         confirmed_at, ceremony_id, signed_at)
       VALUES ($1, $2, $3, $4, $5, 'single_victim', $6, now(), $7, $8)`,
      [
        recoveryId,
        proposalId,
        c.victimId,
        c.caseId,
        o.hostUnitId,
        amount,
        ceremonyId,
        i < (o.signed ?? 0) ? new Date() : null,
      ],
    );
  }
  return ceremonyId;
}
