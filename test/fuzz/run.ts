import fc from 'fast-check';
import type { Response, Test } from 'supertest';
import type { DataSource } from 'typeorm';
import { FuzzRequest, IdPools, POOL_TABLES, requestFor, tableOfCollection } from './generate.js';
import { OpenApiDoc, operationsOf } from './openapi.js';

/** Who the fuzzer calls as: a label, and a bearer token (none for anonymous). */
export interface FuzzCaller {
  label: string;
  token?: string;
  /** Relative frequency. */
  weight: number;
}

export interface FuzzOptions {
  runs: number;
  seed: number;
  /** A request without a response by then is a hang. */
  timeoutMs: number;
  callers: FuzzCaller[];
  /** Usernames whose rows the fuzzer must not change (the callers): left out of the id pools. */
  keepUsers: string[];
  /** The error the app logged for a request id (type, code, message), to group 5xx by cause. */
  causeOf?: (requestId: string) => string | undefined;
}

export interface FuzzFailure {
  kind: '5xx' | 'hang' | 'write on 4xx';
  endpoint: string;
  cause: string;
  example: string;
}

export interface FuzzReport {
  seed: number;
  sent: number;
  ms: number;
  byClass: Record<string, number>;
  byKind: { valid: Record<string, number>; mutated: Record<string, number> };
  /** Status classes per operation, to see how deep the requests got. */
  byEndpoint: Record<string, Record<string, number>>;
  failures: FuzzFailure[];
}

type Agent = (method: string, url: string) => Test;

/** Tables whose rows a refused request may add on purpose: the audit trail, attempt counters. */
const NOT_FINGERPRINTED = new Set([
  'audit_events',
  'rate_limit_windows',
  'seed_runs',
  'migrations',
  'typeorm_metadata',
  'robot_send_log',
]);

/** One statement that counts the rows (and the latest update) of every other table. */
async function fingerprinter(db: DataSource): Promise<() => Promise<Record<string, string>>> {
  const tables = (await db.query(
    `SELECT c.table_name AS name, bool_or(c.column_name = 'updated_at') AS updated
       FROM information_schema.columns c
       JOIN information_schema.tables t USING (table_schema, table_name)
      WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'
      GROUP BY c.table_name ORDER BY c.table_name`,
  )) as { name: string; updated: boolean }[];
  const parts = tables
    .filter((t) => !NOT_FINGERPRINTED.has(t.name))
    .map(
      (t) =>
        `'${t.name}', (SELECT count(*)::text${t.updated ? ` || '/' || coalesce(max(updated_at)::text, '')` : ''} FROM "${t.name}")`,
    );
  const sql = `SELECT json_build_object(${parts.join(', ')}) AS f`;
  return async () => ((await db.query(sql)) as { f: Record<string, string> }[])[0].f;
}

async function loadPools(db: DataSource, keepUsers: string[]): Promise<Map<string, string[]>> {
  const pools = new Map<string, string[]>();
  for (const table of POOL_TABLES) {
    const rows = (await db.query(
      table === 'users'
        ? `SELECT id::text FROM users WHERE NOT (username = ANY($1)) ORDER BY id LIMIT 300`
        : `SELECT id::text FROM "${table}" ORDER BY id LIMIT 300`,
      table === 'users' ? [keepUsers] : [],
    )) as { id: string }[];
    pools.set(
      table,
      rows.map((r) => r.id),
    );
  }
  // Each case's own records, for requests under /cases/{id} or naming a caseId.
  for (const [table, sql] of [
    ['victims', 'SELECT case_id::text AS parent, id::text FROM victims'],
    [
      'identifiers',
      'SELECT case_id::text AS parent, identifier_id::text AS id FROM case_identifiers',
    ],
    ['evidence', 'SELECT case_id::text AS parent, id::text FROM evidence'],
  ] as const) {
    for (const r of (await db.query(sql)) as { parent: string; id: string }[]) {
      const key = `${table}@${r.parent}`;
      pools.set(key, [...(pools.get(key) ?? []), r.id]);
    }
  }
  const banks = (await db.query(
    `SELECT id::text FROM units WHERE kind IN ('bank', 'bank_branch')`,
  )) as { id: string }[];
  pools.set(
    'field:bankUnitId',
    banks.map((b) => b.id),
  );
  // Codes a field must hold (a valid request uses them).
  const codes = (await db.query('SELECT code FROM fraud_types')) as { code: string }[];
  pools.set(
    'field:fraudType',
    codes.map((c) => c.code),
  );
  return pools;
}

const classOf = (status: number) => `${Math.floor(status / 100)}xx`;
const bump = (m: Record<string, number>, k: string) => (m[k] = (m[k] ?? 0) + 1);
const excerpt = (s: string | undefined, n = 240) =>
  s === undefined ? '' : s.length > n ? `${s.slice(0, n)}… (${s.length} chars)` : s;

function describeRequest(r: FuzzRequest): string {
  const body = r.json !== undefined ? ` body ${excerpt(r.json)}` : r.multipart ? ' multipart' : '';
  return `${r.caller}: ${r.op.method} ${excerpt(r.url, 200)}${body}${r.mutation ? ` [${r.mutation}]` : ''}`;
}

function send(agent: Agent, r: FuzzRequest, caller: FuzzCaller, timeoutMs: number): Test {
  let req = agent(r.op.method.toLowerCase(), r.url).timeout({
    response: timeoutMs,
    deadline: timeoutMs * 2,
  });
  if (caller.token) req = req.set('authorization', `Bearer ${caller.token}`);
  if (r.multipart) {
    const files = r.multipart.files ?? (r.multipart.file ? 1 : 0);
    for (let i = 0; i < files; i++)
      req = req.attach('file', r.multipart.file ?? Buffer.from('x'), `evidence-${i}.txt`);
    if (r.multipart.description !== undefined || !files)
      req = req.field('description', r.multipart.description ?? '');
  } else if (r.json !== undefined) {
    req = req.set('content-type', 'application/json').send(r.json);
  }
  return req;
}

/**
 * Sends `runs` generated requests, one at a time: each a valid-looking or mutated request to a
 * random operation of the OpenAPI document as a random caller. A failure is a 5xx, no answer in
 * time, or a 4xx after which a table changed.
 */
export async function fuzz(
  agent: Agent,
  db: DataSource,
  doc: OpenApiDoc,
  options: FuzzOptions,
): Promise<FuzzReport> {
  const ops = operationsOf(doc);
  const fingerprint = await fingerprinter(db);
  const pools = await loadPools(db, options.keepUsers);
  const callers = new Map(options.callers.map((c) => [c.label, c]));
  const callerArb = fc.oneof(
    ...options.callers.map((c) => ({ arbitrary: fc.constant(c.label), weight: c.weight })),
  );
  const report: FuzzReport = {
    seed: options.seed,
    sent: 0,
    ms: 0,
    byClass: {},
    byKind: { valid: {}, mutated: {} },
    byEndpoint: Object.fromEntries(ops.map((op) => [`${op.method} ${op.path}`, {}])),
    failures: [],
  };
  const started = Date.now();
  let before = await fingerprint();
  for (let i = 0; i < options.runs; i++) {
    // Drawn one at a time, so ids created by earlier requests are used by later ones.
    const arb = fc
      .constantFrom(...ops)
      .chain((op) => requestFor(doc, op, callerArb, pools as IdPools));
    const [r] = fc.sample(arb, { numRuns: 1, seed: options.seed + i });
    const endpoint = `${r.op.method} ${r.op.path}`;
    let res: Response;
    try {
      res = await send(agent, r, callers.get(r.caller)!, options.timeoutMs);
    } catch (err) {
      const e = err as { timeout?: number; response?: Response; code?: string; message?: string };
      if (e.response) res = e.response;
      else if (e.timeout || e.code === 'ECONNABORTED') {
        report.sent++;
        bump(report.byClass, 'hang');
        report.failures.push({
          kind: 'hang',
          endpoint,
          cause: `no answer in ${options.timeoutMs} ms`,
          example: describeRequest(r),
        });
        before = await fingerprint();
        continue;
      } else {
        // The client could not build the request (e.g. a lone surrogate in a multipart field).
        bump(report.byClass, 'not sent');
        continue;
      }
    }
    report.sent++;
    if (process.env.FUZZ_TRACE && endpoint.includes(process.env.FUZZ_TRACE))
      process.stdout.write(`${describeRequest(r)}\n  → ${res.status} ${excerpt(res.text, 300)}\n`);
    const cls = classOf(res.status);
    bump(report.byClass, cls);
    bump(r.mutation ? report.byKind.mutated : report.byKind.valid, cls);
    bump(report.byEndpoint[endpoint], cls);
    const requestId = String(res.headers['x-request-id'] ?? '');
    if (res.status >= 500) {
      report.failures.push({
        kind: '5xx',
        endpoint,
        cause: `${res.status} ${options.causeOf?.(requestId) ?? excerpt(res.text, 120)}`,
        example: `${describeRequest(r)} → request ${requestId}`,
      });
    }
    const after = await fingerprint();
    if (res.status >= 400 && res.status < 500) {
      const changed = Object.keys(after).filter((t) => after[t] !== before[t]);
      if (changed.length)
        report.failures.push({
          kind: 'write on 4xx',
          endpoint,
          cause: `${res.status}, yet ${changed.join(', ')} changed`,
          example: describeRequest(r),
        });
    }
    if (res.status < 300 && r.op.method === 'POST') {
      const id = (res.body as { id?: unknown } | undefined)?.id;
      const table = tableOfCollection(r.op.path);
      if (typeof id === 'string' && table && pools.has(table)) {
        pools.get(table)!.push(id);
        if (r.parent)
          pools.set(`${table}@${r.parent}`, [...(pools.get(`${table}@${r.parent}`) ?? []), id]);
      }
    }
    before = after;
  }
  report.ms = Date.now() - started;
  return report;
}

/** What `npm run fuzz` prints: totals, then failures grouped by kind, endpoint and cause. */
export function formatReport(r: FuzzReport): string {
  const counts = (m: Record<string, number>) =>
    Object.entries(m)
      .sort()
      .map(([k, v]) => `${k} ${v}`)
      .join(', ') || 'none';
  const groups = new Map<string, { n: number; example: string }>();
  for (const f of r.failures) {
    const key = `${f.kind} ${f.endpoint} — ${f.cause.replace(/request [\w-]+/, '')}`;
    const g = groups.get(key);
    if (g) g.n++;
    else groups.set(key, { n: 1, example: f.example });
  }
  const lines = [
    `Fuzz: ${r.sent} requests sent (seed ${r.seed}) in ${(r.ms / 1000).toFixed(1)} s`,
    `  by status class: ${counts(r.byClass)}`,
    `  valid requests: ${counts(r.byKind.valid)}`,
    `  mutated requests: ${counts(r.byKind.mutated)}`,
    `  5xx: ${r.failures.filter((f) => f.kind === '5xx').length}, hangs: ${
      r.failures.filter((f) => f.kind === 'hang').length
    }, writes on a 4xx: ${r.failures.filter((f) => f.kind === 'write on 4xx').length}`,
  ];
  const no2xx = Object.entries(r.byEndpoint)
    .filter(([, m]) => !m['2xx'])
    .map(([e]) => e);
  lines.push(
    `  operations: ${Object.keys(r.byEndpoint).length}, of which never answered 2xx: ${no2xx.length}`,
  );
  if (process.env.FUZZ_VERBOSE) for (const e of no2xx) lines.push(`    ${e}`);
  if (groups.size) lines.push('Failures by kind, endpoint and cause:');
  for (const [key, g] of [...groups].sort((a, b) => b[1].n - a[1].n)) {
    lines.push(`  ${g.n}× ${key}`, `      e.g. ${g.example}`);
  }
  return lines.join('\n') + '\n';
}
