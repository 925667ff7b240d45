import 'reflect-metadata';
import { DataSource } from 'typeorm';
import type { ChainVerdict } from '../common/audit/audit-hash.js';
import { AuditEvent } from '../common/audit/audit-event.entity.js';
import { AuditRepository } from '../common/audit/audit.repository.js';
import { AuditService } from '../common/audit/audit.service.js';
import { ConfigError, loadConfig } from '../common/config/config.js';
import { dataSourceOptions } from '../common/database/data-source.js';
import { prepareRuntime, Runtime } from '../runtime.js';

/** Progress goes to stderr; stdout carries only the one-line result. */
const log = (msg: string) => process.stderr.write(`[audit-verify] ${msg}\n`);

const EXIT_OK = 0;
const EXIT_ERROR = 1;
const EXIT_BROKEN = 2;

function describeVerdict(v: ChainVerdict, anchorFile: string): string {
  if (v.ok) {
    return `audit chain ok: ${v.checked} rows checked, ${v.anchoredId ? `anchored through row ${v.anchoredId}` : `no anchor in ${anchorFile}`}`;
  }
  const missing =
    v.missingTo && v.missingTo !== v.brokenId
      ? `rows ${v.brokenId}-${v.missingTo} are missing; `
      : v.reason === 'rows_missing' || v.reason === 'tail_truncated'
        ? `row ${v.brokenId} is missing; `
        : '';
  return `audit chain broken at row ${v.brokenId}: ${v.reason} (${missing}${v.checked} rows before it are good)`;
}

/**
 * `npm run audit:verify`: walks the audit log's hash chain with the same code as
 * GET /api/v1/audit/verify. Exit code 0: intact; 2: broken (the first broken row is named); 1: the
 * check could not run. Uses DATABASE_URL; without it, the embedded PostgreSQL of `npm start` (the
 * running one if the app has it open, else started the way `npm start` starts it). Needs the app's
 * AUDIT_KEY (rows are keyed with it) and reads its AUDIT_ANCHOR_FILE (a truncated end is found
 * against the latest anchor).
 */
async function main(): Promise<number> {
  let runtime: Runtime | undefined;
  let ds: DataSource | undefined;
  try {
    const config = loadConfig();
    runtime = await prepareRuntime(config, log, { shareRunning: true, prepare: false });
    ds = new DataSource(dataSourceOptions(runtime.databaseUrl, 2, [AuditEvent]));
    await ds.initialize();
    const verdict = await new AuditService(new AuditRepository(ds), config).verify();
    process.stdout.write(`${describeVerdict(verdict, config.auditAnchor.file)}\n`);
    return verdict.ok ? EXIT_OK : EXIT_BROKEN;
  } catch (err) {
    const message =
      err instanceof ConfigError ? err.message : err instanceof Error ? err.message : String(err);
    process.stdout.write(`audit verify failed: ${message.split('\n')[0]}\n`);
    if (message.includes('\n')) process.stderr.write(`${message}\n`);
    return EXIT_ERROR;
  } finally {
    await ds?.destroy().catch(() => undefined);
    await runtime?.stop().catch(() => undefined);
  }
}

main().then(
  (code) => process.exit(code),
  () => process.exit(EXIT_ERROR),
);
