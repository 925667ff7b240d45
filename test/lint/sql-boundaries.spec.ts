// One published surface per module, for SQL too (docs/ARCHITECTURE.md, Layout): a statement in a
// module's code reads another module's rows only through the views that module publishes, never
// its tables. This spec reads every table the migrations create, requires each to have an owner
// here (so a new table is a decision), and fails on any FROM, JOIN, UPDATE or INSERT INTO of a
// table another module owns anywhere under src/ outside the migrations (whose triggers stay on the
// tables: see the architecture page).
import { describe, it } from '@jest/globals';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../../..');
const SRC = join(ROOT, 'src');
const MIGRATIONS = join(SRC, 'common', 'database', 'migrations');

/** Who owns each table: the module whose code writes it (and whose entities map it). */
const OWNERS: Record<string, string[]> = {
  common: ['audit_events', 'outbox', 'migrations'],
  identity: ['units', 'users', 'api_keys', 'notifications', 'rate_limit_windows', 'seed_runs'],
  cases: [
    'fraud_types',
    'case_sequences',
    'cases',
    'victims',
    'identifiers',
    'case_identifiers',
    'victim_transfers',
    'case_transitions',
    'case_notes',
    'evidence',
    'transfer_flags',
    'transfer_hits',
    'dissuasions',
    'dissuasion_contacts',
    'transfer_flag_files',
    'transfer_flag_file_problems',
    'transfer_flag_file_rows',
  ],
  recoveries: [
    'freeze_orders',
    'freeze_order_events',
    'recoveries',
    'allocation_proposals',
    'ceremonies',
    'allocations',
  ],
  alerts: [
    'warnings',
    'warning_targets',
    'coordinators',
    'deliveries',
    'robot_send_log',
    'trend_spikes',
  ],
  reports: ['stats_daily', 'stats_monthly', 'stats_case_golden'],
};
const OWNER = new Map(Object.entries(OWNERS).flatMap(([m, ts]) => ts.map((t) => [t, m] as const)));

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? files(join(dir, d.name)) : d.name.endsWith('.ts') ? [join(dir, d.name)] : [],
  );
}

/** The module a source file belongs to: its folder under src/ (app-level files: 'app'). */
function moduleOf(file: string): string {
  const [first, second] = relative(SRC, file).split('/');
  return second === undefined || first === 'cli' ? 'app' : first;
}

/** Each read or write of another module's table in `text`, as `table (owner)`. */
export function foreignTables(text: string, module: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(/\b(?:FROM|JOIN|UPDATE|INSERT INTO|DELETE FROM)\s+([a-z_]+)\b/g)) {
    const owner = OWNER.get(m[1]);
    if (owner && owner !== module) found.push(`${m[1]} (${owner})`);
  }
  return found;
}

describe('SQL boundaries', () => {
  it('every table the migrations create has an owning module', () => {
    const created = files(MIGRATIONS).flatMap((f) =>
      [...readFileSync(f, 'utf8').matchAll(/CREATE (?:UNLOGGED )?TABLE ([a-z_]+)/g)].map(
        (m) => m[1],
      ),
    );
    assert.ok(created.includes('units') && created.includes('deliveries'), created.join(' '));
    // Joined, not compared as arrays: arrays derived from node:fs results are of another realm.
    assert.equal(
      created.filter((t) => !OWNER.has(t)).join(' '),
      '',
      'say in OWNERS which module owns each new table',
    );
  });

  it('finds a foreign table in a statement, and not the module’s own or a view', () => {
    assert.deepEqual(
      foreignTables('SELECT c.id FROM cases c JOIN units u ON u.id = c.unit_id', 'cases'),
      ['units (identity)'],
    );
    assert.deepEqual(
      foreignTables(
        'SELECT c.id FROM cases c JOIN identity_v_units u ON u.id = c.unit_id',
        'cases',
      ),
      [],
    );
  });

  it('no module reads or writes another module’s table outside the migrations', () => {
    const offenders = files(SRC)
      .filter((f) => !f.startsWith(MIGRATIONS) && !f.endsWith('.spec.ts'))
      .flatMap((f) =>
        foreignTables(readFileSync(f, 'utf8'), moduleOf(f)).map(
          (t) => `${relative(ROOT, f)}: ${t}`,
        ),
      );
    assert.equal(offenders.join('\n'), '');
  });
});
