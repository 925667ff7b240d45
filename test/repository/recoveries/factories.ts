// Rows the recoveries repositories read and write, for repository tests, written as the superuser
// (db.admin). Cases, victims, accounts and transfers belong to the cases module; they are written
// here in their barest valid form, only as what an order or an allocation points at.
import { randomBytes, randomInt } from 'node:crypto';
import type { DataSource } from 'typeorm';

const one = async (admin: DataSource, sql: string, params: unknown[]): Promise<string> =>
  ((await admin.query(sql, params)) as { id: string }[])[0].id;

export async function makeCase(
  admin: DataSource,
  o: { unitId: string; officerId?: string | null; reportedAt?: Date },
): Promise<{ id: string; caseNo: string }> {
  const caseNo = `T-${randomBytes(6).toString('hex')}`;
  const [{ code }] = (await admin.query('SELECT code FROM fraud_types LIMIT 1')) as {
    code: string;
  }[];
  const id = await one(
    admin,
    `INSERT INTO cases (case_no, fraud_type, summary, reported_at, unit_id, officer_id)
     VALUES ($1, $2, '测试案件', $3, $4, $5) RETURNING id`,
    [caseNo, code, o.reportedAt ?? new Date('2026-10-01T02:00:00Z'), o.unitId, o.officerId ?? null],
  );
  return { id, caseNo };
}

/** A bank account (identifier) linked to the case. */
export async function makeAccount(admin: DataSource, caseId: string): Promise<string> {
  const value = `62${String(randomInt(1e9)).padStart(9, '0')}${String(randomInt(1e8)).padStart(8, '0')}`;
  const id = await one(
    admin,
    `INSERT INTO identifiers (kind, value) VALUES ('bank_card', $1) RETURNING id`,
    [value],
  );
  await admin.query(
    `INSERT INTO case_identifiers (case_id, identifier_id, role) VALUES ($1, $2, 'receiving_account')`,
    [caseId, id],
  );
  return id;
}

/** A victim of the case who paid `amounts` into accounts (their traced loss). */
export async function makeVictim(
  admin: DataSource,
  caseId: string,
  transfers: { identifierId: string; amountFen: number }[],
): Promise<string> {
  const id = await one(
    admin,
    `INSERT INTO victims (case_id, name_enc) VALUES ($1, 'not-encrypted') RETURNING id`,
    [caseId],
  );
  for (const t of transfers)
    await admin.query(
      `INSERT INTO victim_transfers (case_id, victim_id, identifier_id, amount_fen, transferred_at, channel)
       VALUES ($1, $2, $3, $4, '2026-09-30T10:00:00Z', 'bank_transfer')`,
      [caseId, id, t.identifierId, t.amountFen],
    );
  return id;
}

export interface OrderRow {
  caseId: string;
  identifierId: string;
  unitId: string;
  bankUnitId: string;
  kind?: 'stop_payment' | 'freeze';
  status?: string;
  requestedFen?: number;
  frozenFen?: number | null;
  expiresAt?: Date | null;
  remindAt?: Date | null;
  remindedAt?: Date | null;
  convertedFromId?: string | null;
  officerId?: string | null;
  createdAt?: Date;
}

/** An order in any state; a live one gets an answer and an expiry, as the CHECKs demand. */
export async function makeOrder(admin: DataSource, o: OrderRow): Promise<string> {
  const status = o.status ?? 'frozen';
  const answered = !['requested', 'rejected'].includes(status);
  const requested = o.requestedFen ?? 1_000_000;
  return one(
    admin,
    `INSERT INTO freeze_orders (kind, status, case_id, identifier_id, unit_id, bank_unit_id, officer_id,
       requested_fen, frozen_fen, reject_reason, case_reported_at, requested_at, answered_at,
       expires_at, remind_at, reminded_at, converted_from_id, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, '2026-10-01T02:00:00Z', '2026-10-01T03:00:00Z',
       $11, $12, $13, $14, $15, $16) RETURNING id`,
    [
      o.kind ?? 'freeze',
      status,
      o.caseId,
      o.identifierId,
      o.unitId,
      o.bankUnitId,
      o.officerId ?? null,
      requested,
      o.frozenFen !== undefined ? o.frozenFen : answered ? requested : null,
      status === 'rejected' ? '账户已销户' : null,
      answered ? new Date('2026-10-01T04:00:00Z') : null,
      o.expiresAt !== undefined ? o.expiresAt : answered ? new Date('2027-04-01T04:00:00Z') : null,
      o.remindAt ?? null,
      o.remindedAt ?? null,
      o.convertedFromId ?? null,
      o.createdAt ?? new Date(),
    ],
  );
}

export async function makeRecovery(
  admin: DataSource,
  o: { orderId: string; caseId: string; unitId: string; amountFen: number },
): Promise<string> {
  return one(
    admin,
    `INSERT INTO recoveries (order_id, case_id, unit_id, amount_fen, recovered_on, legal_basis)
     VALUES ($1, $2, $3, $4, '2026-11-01', '依法扣划') RETURNING id`,
    [o.orderId, o.caseId, o.unitId, o.amountFen],
  );
}

export async function makeCeremony(admin: DataSource, hostUnitId: string): Promise<string> {
  return one(
    admin,
    `INSERT INTO ceremonies (title, held_on, venue, host_unit_id)
     VALUES ('发还仪式', '2026-11-20', '分局礼堂', $1) RETURNING id`,
    [hostUnitId],
  );
}

/** One police case with one account and one victim who paid `lossFen` into it. */
export async function makeCaseWithVictim(
  admin: DataSource,
  unitId: string,
  lossFen = 500_000,
): Promise<{ caseId: string; caseNo: string; accountId: string; victimId: string }> {
  const c = await makeCase(admin, { unitId });
  const accountId = await makeAccount(admin, c.id);
  const victimId = await makeVictim(admin, c.id, [{ identifierId: accountId, amountFen: lossFen }]);
  return { caseId: c.id, caseNo: c.caseNo, accountId, victimId };
}
