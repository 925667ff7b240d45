// Rows of the cases feature for repository tests, written through the superuser connection (the
// arrangement is not what is under test). Every factory takes what the test cares about and
// defaults the rest; ids come back for the assertions.
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { Actor } from '../../../src/common/auth/actor.js';
import type { Role } from '../../../src/common/auth/roles.js';
import type { RepoDb } from '../repo-db.js';

let serial = 0;
/** A value unique within the test run (case numbers, references, identifier values). */
export const unique = (prefix: string): string => `${prefix}${Date.now() % 1e7}${++serial}`;

/** A 16-digit card number unique within the run (identifiers, payee accounts). */
export const cardNo = (): string =>
  `62${String(Date.now() % 1e8).padStart(8, '0')}${String(++serial).padStart(6, '0')}`;

/** A seeded user as the actor the API would build for them (scope: their unit's subtree). */
export async function actorOf(db: RepoDb, username: string): Promise<Actor> {
  const rows = (await db.admin.query(
    `SELECT u.id, u.role, u.unit_id, un.path,
            (SELECT b.path FROM units b WHERE un.path LIKE b.path || '%' AND b.kind = 'bank'
             ORDER BY length(b.path) DESC LIMIT 1) AS bank_path
     FROM users u JOIN units un ON un.id = u.unit_id WHERE u.username = $1`,
    [username],
  )) as { id: string; role: Role; unit_id: string; path: string; bank_path: string | null }[];
  const u = rows[0];
  return {
    kind: 'user',
    id: u.id,
    username,
    role: u.role,
    unitId: u.unit_id,
    scopePath: u.role === 'admin' ? null : u.role === 'bank_liaison' ? u.bank_path : u.path,
  };
}

/** An actor of no scope limit (admin). */
export const anyScope = (id = randomUUID()): Actor => ({
  kind: 'user',
  id,
  username: 'admin',
  role: 'admin' as Role,
  unitId: randomUUID(),
  scopePath: null,
});

/** A current fraud-type code. */
export async function fraudTypeCode(admin: DataSource): Promise<string> {
  const rows = (await admin.query(
    'SELECT code FROM fraud_types WHERE valid_to IS NULL ORDER BY code LIMIT 1',
  )) as { code: string }[];
  return rows[0].code;
}

export interface CaseRow {
  id: string;
  caseNo: string;
  unitId: string;
}

export async function makeCase(
  db: RepoDb,
  o: {
    unit?: string;
    caseNo?: string;
    summary?: string;
    reportedAt?: string;
    status?: string;
    officerId?: string | null;
  } = {},
): Promise<CaseRow> {
  const unitId = await db.unitId(o.unit ?? 'GY-YY-WA');
  const caseNo = o.caseNo ?? unique('T-');
  const rows = (await db.admin.query(
    `INSERT INTO cases (case_no, fraud_type, status, summary, reported_at, unit_id, officer_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
    [
      caseNo,
      await fraudTypeCode(db.admin),
      o.status ?? 'reported',
      o.summary ?? '网络刷单返利诈骗',
      o.reportedAt ?? '2024-05-01T02:00:00Z',
      unitId,
      o.officerId ?? null,
    ],
  )) as { id: string }[];
  return { id: rows[0].id, caseNo, unitId };
}

export async function makeIdentifier(
  admin: DataSource,
  o: { kind?: string; value?: string } = {},
): Promise<{ id: string; kind: string; value: string }> {
  const kind = o.kind ?? 'bank_card';
  const value = o.value ?? cardNo();
  const rows = (await admin.query(
    `INSERT INTO identifiers (kind, value, luhn_valid) VALUES ($1, $2, $3) RETURNING id`,
    [kind, value, kind === 'bank_card' ? true : null],
  )) as { id: string }[];
  return { id: rows[0].id, kind, value };
}

export async function link(
  admin: DataSource,
  caseId: string,
  identifierId: string,
  role = 'receiving_account',
): Promise<void> {
  await admin.query(
    'INSERT INTO case_identifiers (case_id, identifier_id, role) VALUES ($1, $2, $3)',
    [caseId, identifierId, role],
  );
}

export async function makeVictim(
  admin: DataSource,
  caseId: string,
  o: { idNumberBidx?: string | null; phoneBidx?: string | null } = {},
): Promise<string> {
  const rows = (await admin.query(
    `INSERT INTO victims (case_id, name_enc, id_number_bidx, phone_bidx)
     VALUES ($1, 'enc:name', $2, $3) RETURNING id`,
    [caseId, o.idNumberBidx ?? null, o.phoneBidx ?? null],
  )) as { id: string }[];
  return rows[0].id;
}

export async function makeTransfer(
  admin: DataSource,
  t: { caseId: string; victimId: string; identifierId: string; amountFen: number },
): Promise<string> {
  const rows = (await admin.query(
    `INSERT INTO victim_transfers (case_id, victim_id, identifier_id, amount_fen, transferred_at, channel)
     VALUES ($1, $2, $3, $4, '2024-05-01T01:00:00Z', 'bank_transfer') RETURNING id`,
    [t.caseId, t.victimId, t.identifierId, String(t.amountFen)],
  )) as { id: string }[];
  return rows[0].id;
}

export async function makeFlag(
  admin: DataSource,
  o: { bankUnitId: string; payeeAccount?: string; externalRef?: string; createdAt?: string },
): Promise<string> {
  const rows = (await admin.query(
    `INSERT INTO transfer_flags (bank_unit_id, external_ref, payer_account, payer_name, payee_account,
       payee_name, payee_bank, amount_fen, occurred_at, reason, submitted_by_kind, submitted_by_id,
       created_at)
     VALUES ($1, $2, '6222020000000001', '张三', $3, NULL, NULL, 100000, '2024-05-01T01:00:00Z',
       '疑似诈骗', 'user', gen_random_uuid(), coalesce($4::timestamptz, now())) RETURNING id`,
    [
      o.bankUnitId,
      o.externalRef ?? unique('REF-'),
      o.payeeAccount ?? cardNo(),
      o.createdAt ?? null,
    ],
  )) as { id: string }[];
  return rows[0].id;
}

export async function makeHit(
  admin: DataSource,
  h: { flagId: string; identifierId: string; caseId: string },
): Promise<string> {
  const rows = (await admin.query(
    'INSERT INTO transfer_hits (flag_id, identifier_id, case_id) VALUES ($1, $2, $3) RETURNING id',
    [h.flagId, h.identifierId, h.caseId],
  )) as { id: string }[];
  return rows[0].id;
}

export async function makeDissuasion(
  admin: DataSource,
  d: {
    flagId: string;
    identifierId: string;
    unitId: string;
    dueInSeconds?: number;
    riskGrade?: string;
    createdAt?: string;
  },
): Promise<string> {
  const rows = (await admin.query(
    `INSERT INTO dissuasions (flag_id, identifier_id, payer_account, payer_name, risk_grade, unit_id,
       due_at, created_at)
     VALUES ($1, $2, '6222020000000001', '张三', $3, $4,
       coalesce($6::timestamptz, now()) + make_interval(secs => $5), coalesce($6::timestamptz, now()))
     RETURNING id`,
    [
      d.flagId,
      d.identifierId,
      d.riskGrade ?? 'high',
      d.unitId,
      d.dueInSeconds ?? 1800,
      d.createdAt ?? null,
    ],
  )) as { id: string }[];
  return rows[0].id;
}

/** `n` police stations under a unit (codes `<codePrefix>1…n`), as a city has many units. */
export async function makeStations(
  db: RepoDb,
  n: number,
  parentCode: string,
  codePrefix: string,
): Promise<string[]> {
  await db.admin.query(
    `WITH p AS (SELECT id, path FROM units WHERE code = $2), n AS (
       SELECT gen_random_uuid() AS id, g FROM generate_series(1, $1) g)
     INSERT INTO units (id, parent_id, kind, code, name, path)
     SELECT n.id, p.id, 'station', $3::text || n.g, '派出所' || n.g, p.path || n.id || '/'
     FROM n CROSS JOIN p`,
    [n, parentCode, codePrefix],
  );
  return Array.from({ length: n }, (_, i) => `${codePrefix}${i + 1}`);
}

/**
 * Many cases at once for plan checks: `n` cases (`<prefix><n>`) spread over the given units, each
 * naming its own bank card (`<cardPrefix>` then the number, 16 digits), with one victim whose
 * blind indexes are md5('id' || case_no) and md5('ph' || case_no); then ANALYZE, so the planner
 * judges by real sizes.
 */
export async function loadCases(
  db: RepoDb,
  n: number,
  unitCodes: string[],
  prefix = 'BULK-',
  cardPrefix = '69',
): Promise<void> {
  const unitIds = await Promise.all(unitCodes.map((c) => db.unitId(c)));
  const code = await fraudTypeCode(db.admin);
  // Triggers off for the load (the statistics rollups' row triggers would make 20,000 filings take
  // minutes): the plans under test read the cases' own tables and indexes, not the rollups.
  await db.admin.transaction(async (em) => {
    await em.query('SET LOCAL session_replication_role = replica');
    await em.query(
      `WITH c AS (
       INSERT INTO cases (case_no, fraud_type, summary, reported_at, unit_id)
       SELECT $4::text || g, $2, '批量案件 ' || g, timestamptz '2023-01-01' + g * interval '1 minute',
              ($3::uuid[])[1 + g % cardinality($3::uuid[])]
       FROM generate_series(1, $1) g RETURNING id, case_no),
     i AS (
       INSERT INTO identifiers (kind, value)
       SELECT 'bank_card', $5::text || lpad(substr(case_no, length($4::text) + 1), 14, '0') FROM c
       RETURNING id, value),
     l AS (
       INSERT INTO case_identifiers (case_id, identifier_id)
       SELECT c.id, i.id FROM c
       JOIN i ON i.value = $5::text || lpad(substr(c.case_no, length($4::text) + 1), 14, '0'))
     INSERT INTO victims (case_id, name_enc, id_number_bidx, phone_bidx)
     SELECT id, 'enc', md5('id' || case_no), md5('ph' || case_no) FROM c`,
      [n, code, unitIds, prefix, cardPrefix],
    );
  });
  await db.admin.query('ANALYZE cases, identifiers, case_identifiers, victims, units');
}

/**
 * The statements a repository call sends (with their parameters), caught from the connection's
 * query log: plan checks EXPLAIN what the repository really runs, not a copy of its SQL.
 */
export async function statementsOf(
  ds: DataSource,
  work: () => Promise<unknown>,
): Promise<{ sql: string; params: unknown[] }[]> {
  const logger = ds.logger;
  const original = logger.logQuery.bind(logger);
  const seen: { sql: string; params: unknown[] }[] = [];
  logger.logQuery = (query, parameters, runner) => {
    if (!/^(START|COMMIT|ROLLBACK|BEGIN)/.test(query))
      seen.push({ sql: query, params: Array.isArray(parameters) ? parameters : [] });
    return original(query, parameters, runner);
  };
  try {
    await work();
  } finally {
    logger.logQuery = original;
  }
  return seen;
}
