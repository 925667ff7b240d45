import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AppConfig } from '../../src/common/config/config.js';

export const ADMIN = { username: 'admin', password: 'admin-password-1' };
/** Demo users from seeds/demo.json, loaded into the template database. */
export const DEMO_PASSWORD = 'jingwang-demo';
export const USERS = {
  admin: ADMIN.username,
  supervisor: 'zhang.supervisor', // 反诈中心 (GY-FZ)
  supervisorYunyan: 'wu.supervisor', // 云岩分局 (GY-YY): approves 黔灵's warnings
  officer: 'li.officer', // 云岩分局网安大队 (GY-YY-WA)
  officerNanming: 'wang.officer', // 南明分局花溪大道派出所 (GY-NM-HX)
  community: 'chen.community', // 黔灵派出所 (GY-YY-QL)
  icbc: 'liu.icbc', // 工商银行中华北路支行 (under ICBC-GY)
  ccb: 'zhao.ccb', // 建设银行贵州省分行 (CCB-GZ)
} as const;

const PII_KEY = randomBytes(32);
/** One key for every process of a run: the template's seeded audit rows are keyed with it. */
const AUDIT_KEY = createHash('sha256').update('jingwang test audit key').digest();

const tempDirs = new Map<string, string>();
/** One temporary directory of each kind per test process, removed when the process exits. */
function testTempDir(kind: string): string {
  let dir = tempDirs.get(kind);
  if (!dir) {
    const made = mkdtempSync(join(tmpdir(), `jw-${kind}-`));
    process.once('exit', () => rmSync(made, { recursive: true, force: true }));
    tempDirs.set(kind, made);
    dir = made;
  }
  return dir;
}

/** The configuration tests run with; what loadConfig would build from a test environment. */
export function testConfig(overrides: Partial<AppConfig> = {}): AppConfig {
  return {
    nodeEnv: 'test',
    port: 0,
    host: '127.0.0.1',
    trustProxy: false,
    databasePool: { max: 10, timeoutMs: 5000 },
    queuePrefix: 'jw',
    dataDir: '/nonexistent',
    evidenceDir: overrides.evidenceDir ?? testTempDir('evidence'),
    evidenceMaxBytes: 50 * 1024 * 1024,
    flagFiles: {
      maxBytes: 512 * 1024 * 1024,
      maxRows: 1_000_000,
      stallMs: 30_000,
      uploadsInFlight: 2,
    },
    embeddedPgPort: 0,
    jwtSecret: 'test-secret-that-is-long-enough-0123456789',
    jwtTtlSeconds: 3600,
    piiKey: PII_KEY,
    piiKeyId: 'k1',
    auditKey: AUDIT_KEY,
    // Each app its own anchor file (each test file has its own database); no timer: tests anchor.
    auditAnchor: {
      file: join(testTempDir('anchors'), `${randomBytes(6).toString('hex')}.log`),
      intervalMs: 0,
    },
    bootstrapAdmin: ADMIN,
    seedDemo: false,
    runWorkers: true,
    jobLockMs: 30_000,
    logLevel: process.env.TEST_LOG_LEVEL ?? 'silent',
    loginRateLimit: { max: 1000, windowSeconds: 60, accountMax: 1000, accountWindowSeconds: 60 },
    ...overrides,
    alerts: {
      publicBaseUrl: 'http://127.0.0.1:3000',
      robotRateLimit: { max: 20, windowMs: 60_000 },
      maxAttempts: 3,
      backoffMs: 100,
      staleClaimMs: 5_000,
      sweepIntervalMs: 1_000,
      sweepGraceMs: 3_000,
      ackTokenTtlSeconds: 3600,
      // Tests that send to a fake robot put its base here (FakeWecom.base).
      wecomApiBase: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send',
      // The fake webhooks listen on this machine.
      webhookAllowedHosts: ['127.0.0.1', 'localhost'],
      sendTimeoutMs: 3_000,
      deliverConcurrency: 32,
      sendsInFlight: 256,
      // Never by timer in tests: they run the scan themselves.
      trend: { minCases: 5, factor: 2, scanIntervalMs: 0 },
      ...overrides.alerts,
    },
    recoveries: {
      allocationNoticeDays: 30,
      expirySweepIntervalMs: 60 * 60_000,
      freezeRenewWindowDays: 15,
      ...overrides.recoveries,
    },
    reports: {
      chromiumPath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
      pdfConcurrency: 2,
      ...overrides.reports,
    },
  };
}
