import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** Everything the process reads from its environment, validated once at start. */
export interface AppConfig {
  nodeEnv: 'development' | 'production' | 'test';
  port: number;
  host: string;
  /** Trust X-Forwarded-For (only behind a proxy that sets it); else a client could fake its address. */
  trustProxy: boolean;
  /**
   * Absent: an embedded PostgreSQL is started with its data under `dataDir`. With
   * `databaseOwnerUrl` it names the app's own role (neither owner nor superuser); alone it names
   * a superuser that creates the owner and app roles (src/common/database/roles.ts).
   */
  databaseUrl?: string;
  /** The role that owns the schema and runs the migrations (DATABASE_OWNER_URL / MIGRATION_DATABASE_URL). */
  databaseOwnerUrl?: string;
  /**
   * The app's connection pool: at most `max` connections per process (DATABASE_POOL_MAX), and how
   * long a request waits for one (DATABASE_POOL_TIMEOUT_MS) before it is answered 503 with
   * Retry-After.
   */
  databasePool: { max: number; timeoutMs: number };
  /** Absent: BullMQ runs on PostgreSQL. */
  redisUrl?: string;
  /** Redis key prefix (the PostgreSQL backend uses a schema instead). */
  queuePrefix: string;
  dataDir: string;
  /** Where evidence files (电子数据证据) are stored; default `<dataDir>/evidence`. */
  evidenceDir: string;
  /** Largest evidence file accepted, in bytes; a larger upload is a 413. */
  evidenceMaxBytes: number;
  /**
   * A bank's daily file of suspicious transfers (POST /transfer-flags/files): its largest size in
   * bytes (413 beyond) and most data rows (413 beyond); `stallMs`, the longest wait for the
   * upload's next bytes (408 beyond: a stalled upload holds a database connection and its bank's
   * upload lock); `uploadsInFlight`, how many uploads a process streams at once (each holds a
   * pooled connection; a later one waits up to DATABASE_POOL_TIMEOUT_MS, then 503).
   */
  flagFiles: { maxBytes: number; maxRows: number; stallMs: number; uploadsInFlight: number };
  embeddedPgPort: number;
  jwtSecret: string;
  jwtTtlSeconds: number;
  /** 32-byte key for AES-256-GCM of victim PII. */
  piiKey: Buffer;
  piiKeyId: string;
  /** HMAC key of the audit hash chain; the database never holds it. */
  auditKey: Buffer;
  /** The chain's head (last id and hash) is appended here, signed, every interval and at shutdown. */
  auditAnchor: { file: string; intervalMs: number };
  bootstrapAdmin?: { username: string; password: string };
  seedDemo: boolean;
  runWorkers: boolean;
  /**
   * How long a worker's hold on a job lasts without renewal, and how often workers look for jobs
   * whose holder died (BullMQ's lockDuration and stalledInterval): a killed worker's jobs run again
   * within about twice this.
   */
  jobLockMs: number;
  logLevel: string;
  /**
   * Login attempts per (address, username) in a window (ten times that per address), and failed
   * attempts per username from any address (`accountMax` in `accountWindowSeconds`). Successful
   * logins do not count.
   */
  loginRateLimit: {
    max: number;
    windowSeconds: number;
    accountMax: number;
    accountWindowSeconds: number;
  };
  alerts: AlertsConfig;
  recoveries: RecoveriesConfig;
  reports: ReportsConfig;
}

/** Statistics, the dashboard and the monthly report (src/reports). */
export interface ReportsConfig {
  /**
   * CHROMIUM_PATH: the Chromium that prints the monthly report as PDF (Debian's package by
   * default). Missing, the PDF answers 503; the HTML report works without it.
   */
  chromiumPath: string;
  /** PDF_CONCURRENCY: reports printed at once (one browser, one page each); the rest wait. */
  pdfConcurrency: number;
}

/** Freeze orders, recoveries and allocations (src/recoveries). */
export interface RecoveriesConfig {
  /** Days a pro-rata allocation is publicly noticed (公示) before it may be confirmed. */
  allocationNoticeDays: number;
  /** How often orders whose reminder or expiry is due are checked (besides the delayed jobs). */
  expirySweepIntervalMs: number;
  /**
   * A freeze may be renewed (续冻) only in this many days before it expires: once per period. At
   * most 90, well inside the 6 months a renewal adds, or a period could be renewed twice.
   */
  freezeRenewWindowDays: number;
}

/** Warnings and their deliveries (src/alerts). */
export interface AlertsConfig {
  /** Base of the links put in messages (acknowledge, full text); the API as residents' phones reach it. */
  publicBaseUrl: string;
  /** Per WeCom robot: at most `max` messages in any `windowMs` (WeCom: 20 a minute). */
  robotRateLimit: { max: number; windowMs: number };
  /** Sends of one delivery before it is failed; retries back off exponentially from `backoffMs`. */
  maxAttempts: number;
  backoffMs: number;
  /** A delivery claimed (sending) longer than this is taken to be abandoned by a dead worker. */
  staleClaimMs: number;
  /** How often queued deliveries whose job is long overdue are enqueued again, and how overdue. */
  sweepIntervalMs: number;
  sweepGraceMs: number;
  /** Lifetime of the signed acknowledgement link. */
  ackTokenTtlSeconds: number;
  /**
   * WECOM_API_BASE: every WeCom robot URL is exactly `<base>?key=…` (origin and path); an on-prem
   * gateway or a test's fake robot may stand in. Its host is trusted as configured.
   */
  wecomApiBase: string;
  /**
   * WEBHOOK_ALLOWED_HOSTS: webhook hosts exempt from the public-address rule, normalized as `host`
   * (any port) or `host:port`. Everything else must resolve to public addresses only.
   */
  webhookAllowedHosts: string[];
  /** Timeout of one HTTP send to a robot or webhook. */
  sendTimeoutMs: number;
  /**
   * `alerts-deliver` jobs one worker process runs at once (BullMQ concurrency; other queues run 8).
   * Each job carries up to 100 deliveries, sent a slice at a time.
   */
  deliverConcurrency: number;
  /**
   * Deliveries one worker process has claimed and not yet recorded, whatever the number of jobs
   * (ALERTS_SENDS_IN_FLIGHT). A permit is held from the claim statement through the send to the
   * mark statement, so the rate per process is at most this ÷ (claim + send + mark time): with
   * robots answering in 50–100 ms, 1,000 deliveries/s need a few hundred. The default, 512, is what
   * the default jobs can hold at once (32 jobs × a slice of 16): more rows per claim and mark
   * statement than at 256 (fewer statements per delivery).
   */
  sendsInFlight: number;
  /**
   * The trend scan: a draft warning when a station's cases of one type in the last 7 days are at
   * least `minCases` and more than `factor` × the weekly mean of the 8 weeks before; run every
   * `scanIntervalMs` (0: never by timer).
   */
  trend: { minCases: number; factor: number; scanIntervalMs: number };
}

export class ConfigError extends Error {
  constructor(readonly problems: { variable: string; problem: string }[]) {
    super(
      'Invalid configuration:\n' + problems.map((p) => `  ${p.variable}: ${p.problem}`).join('\n'),
    );
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

interface DevSecrets {
  jwtSecret: string;
  piiKey: string;
  auditKey: string;
}

/**
 * Development secrets are generated once and kept beside the embedded data, so tokens, PII and
 * the audit chain survive restarts. A file from before a secret existed gets the new one added.
 */
function devSecrets(dataDir: string): DevSecrets {
  const file = resolve(dataDir, 'dev-secrets.json');
  const saved: Partial<DevSecrets> = existsSync(file)
    ? (JSON.parse(readFileSync(file, 'utf8')) as Partial<DevSecrets>)
    : {};
  const secrets: DevSecrets = {
    jwtSecret: saved.jwtSecret ?? randomBytes(32).toString('base64url'),
    piiKey: saved.piiKey ?? randomBytes(32).toString('base64'),
    auditKey: saved.auditKey ?? randomBytes(32).toString('base64'),
  };
  if (saved.jwtSecret && saved.piiKey && saved.auditKey) return secrets;
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}

/** The demo passwords printed in the README and seeds/: never a production password. */
const DEMO_PASSWORDS = ['jingwang-admin', 'jingwang-demo'];

/** Fewest distinct characters (or bytes) a production secret may have: rules out `aaaa…`, `0101…`. */
const MIN_DISTINCT = 8;

function distinct(values: Iterable<unknown>): number {
  return new Set(values).size;
}

/** A base64 key of `bytes` bytes (or at least `bytes` with `atLeast`), refused when degenerate in production. */
function keyFrom(
  name: string,
  raw: string,
  bytes: number,
  production: boolean,
  problems: ConfigError['problems'],
  atLeast = false,
): Buffer {
  if (!raw) {
    problems.push({ variable: name, problem: 'is required in production' });
    return Buffer.alloc(0);
  }
  const key = Buffer.from(raw, 'base64');
  if (atLeast ? key.length < bytes : key.length !== bytes) {
    problems.push({
      variable: name,
      problem: `must be ${atLeast ? 'at least ' : ''}${bytes} bytes, base64-encoded`,
    });
  } else if (production && distinct(key) < MIN_DISTINCT) {
    problems.push({
      variable: name,
      problem: `is too weak: fewer than ${MIN_DISTINCT} distinct bytes (generate it with openssl rand -base64 ${bytes})`,
    });
  }
  return key;
}

function int(
  env: Env,
  name: string,
  fallback: number,
  problems: ConfigError['problems'],
  min = 0,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    problems.push({ variable: name, problem: `must be an integer between ${min} and ${max}` });
    return fallback;
  }
  return Number(raw);
}

/** A positive decimal number (e.g. a factor of 1.5). */
function decimal(
  env: Env,
  name: string,
  fallback: number,
  problems: ConfigError['problems'],
  max = 1000,
): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+(\.\d+)?$/.test(raw) || Number(raw) <= 0 || Number(raw) > max) {
    problems.push({ variable: name, problem: `must be a number above 0 and at most ${max}` });
    return fallback;
  }
  return Number(raw);
}

function bool(
  env: Env,
  name: string,
  fallback: boolean,
  problems: ConfigError['problems'],
): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (['true', '1', 'yes'].includes(raw)) return true;
  if (['false', '0', 'no'].includes(raw)) return false;
  problems.push({ variable: name, problem: 'must be true or false' });
  return fallback;
}

function url(
  env: Env,
  name: string,
  protocols: string[],
  problems: ConfigError['problems'],
): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  try {
    const parsed = new URL(raw);
    if (!protocols.includes(parsed.protocol)) {
      problems.push({ variable: name, problem: `must be a ${protocols.join(' or ')} URL` });
    }
  } catch {
    problems.push({ variable: name, problem: 'is not a valid URL' });
  }
  return raw;
}

/** A base URL for requests: http(s), no credentials, query or fragment; kept as origin + path. */
function baseUrl(
  env: Env,
  name: string,
  fallback: string,
  problems: ConfigError['problems'],
): string {
  const raw = url(env, name, ['http:', 'https:'], problems);
  if (raw === undefined) return fallback;
  const u = URL.canParse(raw) ? new URL(raw) : null;
  if (!u) return fallback;
  if (u.username || u.password || u.search || u.hash) {
    problems.push({ variable: name, problem: 'must carry no credentials, query or fragment' });
    return fallback;
  }
  return `${u.origin}${u.pathname}`;
}

/**
 * A comma-separated list of `host` or `host:port` (IPv6 in brackets), normalized as WHATWG URL
 * parsing normalizes a URL's host, so the list compares equal to `URL.hostname`.
 */
function hostList(env: Env, name: string, problems: ConfigError['problems']): string[] {
  const out: string[] = [];
  for (const entry of (env[name] ?? '').split(',').map((e) => e.trim())) {
    if (!entry) continue;
    const u = URL.canParse(`http://${entry}`) ? new URL(`http://${entry}`) : null;
    const port = /:(\d{1,5})$/.exec(entry)?.[1];
    if (!u || u.username || u.password || u.pathname !== '/' || u.search || u.hash || !u.hostname) {
      problems.push({ variable: name, problem: `"${entry}" is not a host or host:port` });
      continue;
    }
    out.push(port ? `${u.hostname}:${Number(port)}` : u.hostname);
  }
  return out;
}

/** DATABASE_OWNER_URL, or its other name MIGRATION_DATABASE_URL (both given: they must agree). */
function ownerUrl(env: Env, problems: ConfigError['problems']): string | undefined {
  const owner = url(env, 'DATABASE_OWNER_URL', ['postgres:', 'postgresql:'], problems);
  const migration = url(env, 'MIGRATION_DATABASE_URL', ['postgres:', 'postgresql:'], problems);
  if (owner && migration && owner !== migration) {
    problems.push({
      variable: 'MIGRATION_DATABASE_URL',
      problem: 'differs from DATABASE_OWNER_URL (give one of them)',
    });
  }
  return owner ?? migration;
}

/**
 * Reads and validates the environment. Every problem is collected so the operator sees them all at
 * once; the caller stops the process on a ConfigError.
 */
export function loadConfig(env: Env = process.env): AppConfig {
  const problems: ConfigError['problems'] = [];
  const nodeEnvRaw = env.NODE_ENV ?? 'development';
  if (!['development', 'production', 'test'].includes(nodeEnvRaw)) {
    problems.push({ variable: 'NODE_ENV', problem: 'must be development, production or test' });
  }
  const nodeEnv = nodeEnvRaw as AppConfig['nodeEnv'];
  const production = nodeEnv === 'production';
  const dataDir = resolve(env.DATA_DIR ?? '.data');

  const needDev = (!env.JWT_SECRET || !env.PII_KEY || !env.AUDIT_KEY) && !production;
  const dev = needDev ? devSecrets(dataDir) : undefined;

  const jwtSecret = env.JWT_SECRET || dev?.jwtSecret || '';
  if (!jwtSecret) problems.push({ variable: 'JWT_SECRET', problem: 'is required in production' });
  else if (jwtSecret.length < 32) {
    problems.push({ variable: 'JWT_SECRET', problem: 'must be at least 32 characters' });
  } else if (production && distinct(jwtSecret) < MIN_DISTINCT) {
    problems.push({
      variable: 'JWT_SECRET',
      problem: `is too weak: fewer than ${MIN_DISTINCT} distinct characters`,
    });
  }

  const piiKey = keyFrom('PII_KEY', env.PII_KEY || dev?.piiKey || '', 32, production, problems);
  const auditKey = keyFrom(
    'AUDIT_KEY',
    env.AUDIT_KEY || dev?.auditKey || '',
    32,
    production,
    problems,
    true,
  );

  const adminUser = env.BOOTSTRAP_ADMIN_USERNAME;
  const adminPassword = env.BOOTSTRAP_ADMIN_PASSWORD;
  let bootstrapAdmin: AppConfig['bootstrapAdmin'];
  if (adminUser || adminPassword) {
    if (!adminUser)
      problems.push({
        variable: 'BOOTSTRAP_ADMIN_USERNAME',
        problem: 'is required with BOOTSTRAP_ADMIN_PASSWORD',
      });
    if (!adminPassword)
      problems.push({
        variable: 'BOOTSTRAP_ADMIN_PASSWORD',
        problem: 'is required with BOOTSTRAP_ADMIN_USERNAME',
      });
    else if (adminPassword.length < (production ? 12 : 10)) {
      problems.push({
        variable: 'BOOTSTRAP_ADMIN_PASSWORD',
        problem: `must be at least ${production ? 12 : 10} characters`,
      });
    } else if (production && DEMO_PASSWORDS.includes(adminPassword.toLowerCase())) {
      problems.push({
        variable: 'BOOTSTRAP_ADMIN_PASSWORD',
        problem: 'is a published demo password',
      });
    }
    bootstrapAdmin = { username: adminUser ?? '', password: adminPassword ?? '' };
  } else if (!production) {
    bootstrapAdmin = { username: 'admin', password: 'jingwang-admin' };
  }

  const poolMax = int(env, 'DATABASE_POOL_MAX', 10, problems, 1, 1000);
  const config: AppConfig = {
    nodeEnv,
    port: int(env, 'PORT', 3000, problems, 0, 65535),
    host: env.HOST ?? '127.0.0.1',
    trustProxy: bool(env, 'TRUST_PROXY', false, problems),
    databaseUrl: url(env, 'DATABASE_URL', ['postgres:', 'postgresql:'], problems),
    databaseOwnerUrl: ownerUrl(env, problems),
    databasePool: {
      max: poolMax,
      timeoutMs: int(env, 'DATABASE_POOL_TIMEOUT_MS', 5000, problems, 100, 600_000),
    },
    redisUrl: url(env, 'REDIS_URL', ['redis:', 'rediss:'], problems),
    queuePrefix: env.QUEUE_PREFIX ?? 'jw',
    dataDir,
    evidenceDir: resolve(env.EVIDENCE_DIR || resolve(dataDir, 'evidence')),
    evidenceMaxBytes: int(env, 'EVIDENCE_MAX_BYTES', 50 * 1024 * 1024, problems, 1),
    flagFiles: {
      maxBytes: int(env, 'FLAG_FILE_MAX_BYTES', 512 * 1024 * 1024, problems, 1),
      maxRows: int(env, 'FLAG_FILE_MAX_ROWS', 1_000_000, problems, 1, 10_000_000),
      stallMs: int(env, 'FLAG_FILE_STALL_MS', 30_000, problems, 100, 600_000),
      // A quarter of the pool by default: uploads arriving together (banks' end-of-day files)
      // leave the rest of the pool to everyone else.
      uploadsInFlight: int(
        env,
        'FLAG_FILE_UPLOADS_IN_FLIGHT',
        Math.max(1, Math.floor(poolMax / 4)),
        problems,
        1,
        1000,
      ),
    },
    embeddedPgPort: int(env, 'EMBEDDED_PG_PORT', 54329, problems, 1, 65535),
    jwtSecret,
    jwtTtlSeconds: int(env, 'JWT_TTL_SECONDS', 8 * 3600, problems, 60),
    piiKey,
    piiKeyId: env.PII_KEY_ID ?? 'k1',
    auditKey,
    auditAnchor: {
      file: resolve(env.AUDIT_ANCHOR_FILE || resolve(dataDir, 'audit-anchors.log')),
      intervalMs: int(env, 'AUDIT_ANCHOR_INTERVAL_MS', 60_000, problems, 0, 86_400_000),
    },
    bootstrapAdmin,
    seedDemo: bool(env, 'SEED_DEMO', !production, problems),
    runWorkers: bool(env, 'RUN_WORKERS', true, problems),
    jobLockMs: int(env, 'JOB_LOCK_MS', 30_000, problems, 1000, 600_000),
    logLevel: env.LOG_LEVEL ?? (nodeEnv === 'test' ? 'warn' : 'info'),
    loginRateLimit: {
      max: int(env, 'LOGIN_RATE_LIMIT', 5, problems, 1),
      windowSeconds: int(env, 'LOGIN_RATE_WINDOW_SECONDS', 60, problems, 1),
      accountMax: int(env, 'LOGIN_ACCOUNT_LIMIT', 10, problems, 1),
      accountWindowSeconds: int(env, 'LOGIN_ACCOUNT_WINDOW_SECONDS', 900, problems, 1),
    },
    alerts: {
      publicBaseUrl:
        url(env, 'PUBLIC_BASE_URL', ['http:', 'https:'], problems)?.replace(/\/+$/, '') ??
        `http://${env.HOST ?? '127.0.0.1'}:${env.PORT || 3000}`,
      // WeCom's 20 a minute, with 1 s of margin for the time between our reservation and the
      // robot receiving the request. ALERTS_ROBOT_WINDOW_MS shortens the window for tests that
      // run separate processes (the scale-out test); production refuses anything shorter.
      robotRateLimit: {
        max: 20,
        windowMs: int(
          env,
          'ALERTS_ROBOT_WINDOW_MS',
          61_000,
          problems,
          production ? 61_000 : 1000,
          3_600_000,
        ),
      },
      maxAttempts: int(env, 'ALERTS_MAX_ATTEMPTS', 5, problems, 1, 50),
      backoffMs: 2000,
      staleClaimMs: int(env, 'ALERTS_STALE_CLAIM_MS', 120_000, problems, 1000, 86_400_000),
      sweepIntervalMs: int(env, 'ALERTS_SWEEP_INTERVAL_MS', 30_000, problems, 100, 86_400_000),
      sweepGraceMs: int(env, 'ALERTS_SWEEP_GRACE_MS', 60_000, problems, 0, 86_400_000),
      ackTokenTtlSeconds: int(env, 'ALERTS_ACK_TTL_HOURS', 168, problems, 1, 8760) * 3600,
      wecomApiBase: baseUrl(
        env,
        'WECOM_API_BASE',
        'https://qyapi.weixin.qq.com/cgi-bin/webhook/send',
        problems,
      ),
      webhookAllowedHosts: hostList(env, 'WEBHOOK_ALLOWED_HOSTS', problems),
      sendTimeoutMs: 10_000,
      deliverConcurrency: int(env, 'ALERTS_DELIVER_CONCURRENCY', 32, problems, 1, 1000),
      sendsInFlight: int(env, 'ALERTS_SENDS_IN_FLIGHT', 512, problems, 1, 10_000),
      trend: {
        minCases: int(env, 'TREND_MIN_CASES', 5, problems, 1, 100_000),
        factor: decimal(env, 'TREND_FACTOR', 2, problems),
        scanIntervalMs: int(env, 'TREND_SCAN_INTERVAL_MS', 3_600_000, problems, 0, 2_147_483_647),
      },
    },
    recoveries: {
      allocationNoticeDays: int(env, 'ALLOCATION_NOTICE_DAYS', 30, problems, 0, 365),
      expirySweepIntervalMs: 5 * 60_000,
      freezeRenewWindowDays: int(env, 'FREEZE_RENEW_WINDOW_DAYS', 15, problems, 1, 90),
    },
    reports: {
      chromiumPath: env.CHROMIUM_PATH || '/usr/bin/chromium',
      pdfConcurrency: int(env, 'PDF_CONCURRENCY', 2, problems, 1, 16),
    },
  };
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(config.logLevel)) {
    problems.push({
      variable: 'LOG_LEVEL',
      problem: 'must be one of fatal, error, warn, info, debug, trace, silent',
    });
  }
  if (!/^[a-z0-9_-]{1,32}$/i.test(config.queuePrefix)) {
    problems.push({ variable: 'QUEUE_PREFIX', problem: 'must be 1-32 letters, digits, - or _' });
  }
  if (production && config.seedDemo) {
    problems.push({
      variable: 'SEED_DEMO',
      problem: 'the demo users share a published password: not in production',
    });
  }
  if (config.databaseOwnerUrl && !config.databaseUrl) {
    problems.push({
      variable: 'DATABASE_URL',
      problem: "is required with DATABASE_OWNER_URL (it names the app's own role)",
    });
  }
  if (problems.length) throw new ConfigError(problems);
  return config;
}

/** Injection token for AppConfig. */
export const APP_CONFIG = Symbol('APP_CONFIG');
