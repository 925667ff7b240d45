import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import { ConfigError, loadConfig } from './config.js';

/** Random-looking fixed keys (every byte distinct), as `openssl rand -base64 32` makes. */
const key = (seed: number) =>
  Buffer.from(Array.from({ length: 32 }, (_, i) => (i * 7 + seed) % 256)).toString('base64');
const PII_KEY = key(1);
const AUDIT_KEY = key(2);
const JWT_SECRET = 'a-production-secret-that-is-long-enough-0123';

/** The variables each problem names, in order; fails when loadConfig accepts the environment. */
function problemsOf(env: Record<string, string>): { variable: string; problem: string }[] {
  try {
    loadConfig(env);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    return err.problems;
  }
  assert.fail('loadConfig accepted an invalid environment');
}

const variables = (env: Record<string, string>) => problemsOf(env).map((p) => p.variable);

describe('loadConfig', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'jw-config-spec-'));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  /** A complete production environment; each test spoils one part of it. */
  const production = (extra: Record<string, string> = {}) => ({
    NODE_ENV: 'production',
    DATA_DIR: dataDir,
    JWT_SECRET,
    PII_KEY,
    AUDIT_KEY,
    ...extra,
  });

  it('accepts a complete production environment', () => {
    const config = loadConfig(
      production({
        PORT: '8080',
        DATABASE_URL: 'postgres://jw:pw@db:5432/jingwang',
        REDIS_URL: 'redis://cache:6379',
        BOOTSTRAP_ADMIN_USERNAME: 'root',
        BOOTSTRAP_ADMIN_PASSWORD: 'a-long-password',
        DATABASE_OWNER_URL: 'postgres://jw_owner:pw@db:5432/jingwang',
        AUDIT_ANCHOR_FILE: '/var/lib/jingwang/anchors.log',
      }),
    );
    assert.equal(config.nodeEnv, 'production');
    assert.equal(config.port, 8080);
    assert.equal(config.databaseUrl, 'postgres://jw:pw@db:5432/jingwang');
    assert.equal(config.redisUrl, 'redis://cache:6379');
    assert.equal(config.jwtSecret, JWT_SECRET);
    assert.equal(config.piiKey.length, 32);
    assert.deepEqual(config.bootstrapAdmin, { username: 'root', password: 'a-long-password' });
    assert.equal(config.seedDemo, false, 'production does not load demo data by default');
    assert.equal(config.databaseOwnerUrl, 'postgres://jw_owner:pw@db:5432/jingwang');
    assert.deepEqual(config.auditKey, Buffer.from(AUDIT_KEY, 'base64'));
    assert.deepEqual(config.auditAnchor, {
      file: '/var/lib/jingwang/anchors.log',
      intervalMs: 60_000,
    });
  });

  it('takes MIGRATION_DATABASE_URL as the owner URL, and refuses it differing from DATABASE_OWNER_URL', () => {
    const owner = 'postgres://jw_owner:pw@db:5432/jingwang';
    const app = { DATABASE_URL: 'postgres://jw_app:pw@db:5432/jingwang' };
    assert.equal(
      loadConfig(production({ ...app, MIGRATION_DATABASE_URL: owner })).databaseOwnerUrl,
      owner,
    );
    assert.deepEqual(
      variables(
        production({ ...app, DATABASE_OWNER_URL: owner, MIGRATION_DATABASE_URL: `${owner}x` }),
      ),
      ['MIGRATION_DATABASE_URL'],
    );
    assert.deepEqual(variables(production({ DATABASE_OWNER_URL: owner })), ['DATABASE_URL']);
  });

  it('refuses production without JWT_SECRET, PII_KEY and AUDIT_KEY, naming them', () => {
    const problems = problemsOf({ NODE_ENV: 'production', DATA_DIR: dataDir });
    assert.deepEqual(
      problems.map((p) => p.variable),
      ['JWT_SECRET', 'PII_KEY', 'AUDIT_KEY'],
    );
    for (const p of problems) assert.match(p.problem, /required in production/);
    assert.equal(existsSync(join(dataDir, 'dev-secrets.json')), false, 'no dev secrets invented');
  });

  it('refuses a PII_KEY that is not 32 bytes', () => {
    const problems = problemsOf(production({ PII_KEY: Buffer.alloc(16).toString('base64') }));
    assert.deepEqual(problems, [
      { variable: 'PII_KEY', problem: 'must be 32 bytes, base64-encoded' },
    ]);
  });

  it('the WeCom base defaults to WeCom, and the webhook allow-list is read normalized', () => {
    const plain = loadConfig(production());
    assert.equal(plain.alerts.wecomApiBase, 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send');
    assert.deepEqual(plain.alerts.webhookAllowedHosts, []);
    const config = loadConfig(
      production({
        WECOM_API_BASE: 'http://WeCom-GW.internal:8080/cgi-bin/webhook/send',
        WEBHOOK_ALLOWED_HOSTS: ' Hooks.Internal , 10.0.0.5:8443,[::1]:80, 0x7f000001 ,',
      }),
    );
    assert.equal(config.alerts.wecomApiBase, 'http://wecom-gw.internal:8080/cgi-bin/webhook/send');
    assert.deepEqual(config.alerts.webhookAllowedHosts, [
      'hooks.internal',
      '10.0.0.5:8443',
      '[::1]:80',
      '127.0.0.1',
    ]);
  });

  it('refuses a WeCom base with a query or credentials, and allow-list entries that are not hosts', () => {
    assert.deepEqual(variables(production({ WECOM_API_BASE: 'https://x/send?key=k' })), [
      'WECOM_API_BASE',
    ]);
    assert.deepEqual(variables(production({ WECOM_API_BASE: 'ftp://x/send' })), ['WECOM_API_BASE']);
    for (const bad of ['http://h', 'h/path', 'u:p@h', 'h:99999', '::1'])
      assert.deepEqual(
        variables(production({ WEBHOOK_ALLOWED_HOSTS: bad })),
        ['WEBHOOK_ALLOWED_HOSTS'],
        bad,
      );
  });

  it('refuses a JWT_SECRET shorter than 32 characters', () => {
    assert.deepEqual(variables(production({ JWT_SECRET: 'short' })), ['JWT_SECRET']);
  });

  it('refuses in production a degenerate JWT_SECRET: one repeated character, or few distinct ones', () => {
    for (const weak of ['a'.repeat(40), '01'.repeat(20), 'abcdefg'.repeat(6)]) {
      const problems = problemsOf(production({ JWT_SECRET: weak }));
      assert.deepEqual(
        problems.map((p) => p.variable),
        ['JWT_SECRET'],
        weak,
      );
      assert.match(problems[0].problem, /too weak/);
    }
    assert.ok(loadConfig(production({ JWT_SECRET: 'abcdefgh'.repeat(4) })), '8 distinct is enough');
  });

  it('refuses in production a PII_KEY or AUDIT_KEY of one repeated byte, or of few distinct bytes', () => {
    const weakKeys = [
      Buffer.alloc(32, 7),
      Buffer.alloc(32),
      Buffer.from(Array.from({ length: 32 }, (_, i) => i % 4)),
    ];
    for (const variable of ['PII_KEY', 'AUDIT_KEY']) {
      for (const weak of weakKeys) {
        const problems = problemsOf(production({ [variable]: weak.toString('base64') }));
        assert.deepEqual(
          problems.map((p) => p.variable),
          [variable],
        );
        assert.match(problems[0].problem, /too weak/);
      }
    }
  });

  it('refuses an AUDIT_KEY shorter than 32 bytes', () => {
    const problems = problemsOf(production({ AUDIT_KEY: Buffer.alloc(16, 3).toString('base64') }));
    assert.deepEqual(problems, [
      { variable: 'AUDIT_KEY', problem: 'must be at least 32 bytes, base64-encoded' },
    ]);
  });

  it('accepts weak keys outside production (tests and development use fixed ones)', () => {
    const config = loadConfig({
      NODE_ENV: 'test',
      DATA_DIR: dataDir,
      JWT_SECRET: 'a'.repeat(32),
      PII_KEY: Buffer.alloc(32, 7).toString('base64'),
      AUDIT_KEY: Buffer.alloc(32, 7).toString('base64'),
    });
    assert.equal(config.jwtSecret, 'a'.repeat(32));
  });

  for (const password of ['jingwang-admin', 'jingwang-demo', 'JINGWANG-ADMIN', 'short-pw-11']) {
    it(`refuses in production the bootstrap admin password ${password} (a demo one, or under 12 characters)`, () => {
      const problems = problemsOf(
        production({ BOOTSTRAP_ADMIN_USERNAME: 'root', BOOTSTRAP_ADMIN_PASSWORD: password }),
      );
      assert.deepEqual(
        problems.map((p) => p.variable),
        ['BOOTSTRAP_ADMIN_PASSWORD'],
      );
    });
  }

  it('accepts the demo admin password outside production, where it is the default', () => {
    const config = loadConfig({
      NODE_ENV: 'development',
      DATA_DIR: join(dataDir, 'dev3'),
      BOOTSTRAP_ADMIN_USERNAME: 'admin',
      BOOTSTRAP_ADMIN_PASSWORD: 'jingwang-admin',
    });
    assert.equal(config.bootstrapAdmin?.password, 'jingwang-admin');
  });

  it('refuses SEED_DEMO in production: the demo users share a published password', () => {
    assert.deepEqual(variables(production({ SEED_DEMO: 'true' })), ['SEED_DEMO']);
  });

  for (const port of ['abc', '70000', '-1', '80.5']) {
    it(`refuses PORT=${port}`, () => {
      assert.deepEqual(variables(production({ PORT: port })), ['PORT']);
    });
  }

  it('refuses a DATABASE_URL that is not postgres', () => {
    const problems = problemsOf(production({ DATABASE_URL: 'mysql://db:3306/jw' }));
    assert.deepEqual(problems, [
      { variable: 'DATABASE_URL', problem: 'must be a postgres: or postgresql: URL' },
    ]);
  });

  it('refuses a REDIS_URL that is not redis', () => {
    const problems = problemsOf(production({ REDIS_URL: 'http://cache:6379' }));
    assert.deepEqual(problems, [
      { variable: 'REDIS_URL', problem: 'must be a redis: or rediss: URL' },
    ]);
  });

  it('refuses a DATABASE_URL that is not a URL at all', () => {
    assert.deepEqual(variables(production({ DATABASE_URL: 'not a url' })), ['DATABASE_URL']);
  });

  it('refuses BOOTSTRAP_ADMIN_USERNAME without a password, naming the password', () => {
    const problems = problemsOf(production({ BOOTSTRAP_ADMIN_USERNAME: 'root' }));
    assert.deepEqual(problems, [
      {
        variable: 'BOOTSTRAP_ADMIN_PASSWORD',
        problem: 'is required with BOOTSTRAP_ADMIN_USERNAME',
      },
    ]);
  });

  it('refuses BOOTSTRAP_ADMIN_PASSWORD without a username, naming the username', () => {
    assert.deepEqual(variables(production({ BOOTSTRAP_ADMIN_PASSWORD: 'a-long-password' })), [
      'BOOTSTRAP_ADMIN_USERNAME',
    ]);
  });

  it('reports every problem at once', () => {
    const names = variables({
      NODE_ENV: 'production',
      DATA_DIR: dataDir,
      PII_KEY: 'c2hvcnQ=',
      PORT: 'eighty',
      DATABASE_URL: 'mysql://db/jw',
      REDIS_URL: 'memcached://cache',
      BOOTSTRAP_ADMIN_USERNAME: 'root',
    });
    assert.deepEqual(
      [...names].sort(),
      [
        'AUDIT_KEY',
        'BOOTSTRAP_ADMIN_PASSWORD',
        'DATABASE_URL',
        'JWT_SECRET',
        'PII_KEY',
        'PORT',
        'REDIS_URL',
      ].sort(),
    );
  });

  it('puts every problem in the error message', () => {
    try {
      loadConfig({ NODE_ENV: 'production', DATA_DIR: dataDir, PORT: 'x' });
      assert.fail('accepted');
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      for (const name of ['JWT_SECRET', 'PII_KEY', 'PORT'])
        assert.match(err.message, new RegExp(name));
    }
  });

  it('reads the alerts send concurrency (32 by default) and refuses 0', () => {
    assert.equal(loadConfig(production()).alerts.deliverConcurrency, 32);
    assert.equal(
      loadConfig(production({ ALERTS_DELIVER_CONCURRENCY: '64' })).alerts.deliverConcurrency,
      64,
    );
    assert.deepEqual(variables(production({ ALERTS_DELIVER_CONCURRENCY: '0' })), [
      'ALERTS_DELIVER_CONCURRENCY',
    ]);
  });

  it('reads how long a flag file upload may wait for its next bytes (30 s by default), 0.1 s to 10 min', () => {
    assert.equal(loadConfig(production()).flagFiles.stallMs, 30_000);
    assert.equal(loadConfig(production({ FLAG_FILE_STALL_MS: '5000' })).flagFiles.stallMs, 5_000);
    for (const bad of ['0', '99', '600001', 'soon'])
      assert.deepEqual(variables(production({ FLAG_FILE_STALL_MS: bad })), ['FLAG_FILE_STALL_MS']);
  });

  it('streams a quarter of the pool’s connections of flag file uploads at once by default, at least one', () => {
    assert.equal(loadConfig(production()).flagFiles.uploadsInFlight, 2);
    assert.equal(loadConfig(production({ DATABASE_POOL_MAX: '40' })).flagFiles.uploadsInFlight, 10);
    assert.equal(loadConfig(production({ DATABASE_POOL_MAX: '3' })).flagFiles.uploadsInFlight, 1);
    assert.equal(
      loadConfig(production({ FLAG_FILE_UPLOADS_IN_FLIGHT: '5' })).flagFiles.uploadsInFlight,
      5,
    );
    assert.deepEqual(variables(production({ FLAG_FILE_UPLOADS_IN_FLIGHT: '0' })), [
      'FLAG_FILE_UPLOADS_IN_FLIGHT',
    ]);
  });

  it('reads the deliveries in flight per process (512 by default) and refuses 0', () => {
    assert.equal(loadConfig(production()).alerts.sendsInFlight, 512);
    assert.equal(loadConfig(production({ ALERTS_SENDS_IN_FLIGHT: '64' })).alerts.sendsInFlight, 64);
    assert.deepEqual(variables(production({ ALERTS_SENDS_IN_FLIGHT: '0' })), [
      'ALERTS_SENDS_IN_FLIGHT',
    ]);
  });

  it('keeps the robot window at WeCom’s minute in production; tests may shorten it', () => {
    assert.equal(loadConfig(production()).alerts.robotRateLimit.windowMs, 61_000);
    assert.deepEqual(variables(production({ ALERTS_ROBOT_WINDOW_MS: '4000' })), [
      'ALERTS_ROBOT_WINDOW_MS',
    ]);
    const test = loadConfig({
      NODE_ENV: 'test',
      DATA_DIR: dataDir,
      ALERTS_ROBOT_WINDOW_MS: '4000',
    });
    assert.deepEqual(test.alerts.robotRateLimit, { max: 20, windowMs: 4000 });
  });

  it('refuses an unknown NODE_ENV', () => {
    assert.ok(
      variables({
        NODE_ENV: 'staging',
        DATA_DIR: dataDir,
        JWT_SECRET,
        PII_KEY,
        AUDIT_KEY,
      }).includes('NODE_ENV'),
    );
  });

  it('in development, generates secrets once in DATA_DIR and reuses them', () => {
    const devDir = join(dataDir, 'dev');
    const first = loadConfig({ NODE_ENV: 'development', DATA_DIR: devDir });
    const file = join(devDir, 'dev-secrets.json');
    assert.ok(existsSync(file), 'dev-secrets.json is written');
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { jwtSecret: string; auditKey: string };
    assert.equal(first.jwtSecret, saved.jwtSecret);
    assert.deepEqual(first.auditKey, Buffer.from(saved.auditKey, 'base64'));
    assert.equal(first.auditKey.length, 32);
    assert.ok(first.jwtSecret.length >= 32);
    assert.equal(first.piiKey.length, 32);
    assert.ok(first.bootstrapAdmin, 'development has a default admin');
    assert.equal(first.seedDemo, true);

    const second = loadConfig({ NODE_ENV: 'development', DATA_DIR: devDir });
    assert.equal(second.jwtSecret, first.jwtSecret);
    assert.deepEqual(second.piiKey, first.piiKey);
    assert.deepEqual(second.auditKey, first.auditKey);
  });

  it('in development, adds an audit key to a secrets file written before there was one', () => {
    const devDir = join(dataDir, 'dev-old');
    mkdirSync(devDir);
    const file = join(devDir, 'dev-secrets.json');
    writeFileSync(file, JSON.stringify({ jwtSecret: JWT_SECRET, piiKey: PII_KEY }));
    const config = loadConfig({ NODE_ENV: 'development', DATA_DIR: devDir });
    assert.equal(config.jwtSecret, JWT_SECRET, 'the old secrets are kept');
    assert.equal(config.auditKey.length, 32);
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { auditKey: string };
    assert.deepEqual(Buffer.from(saved.auditKey, 'base64'), config.auditKey);
  });

  it('in development, prefers given secrets over generated ones', () => {
    const config = loadConfig({
      NODE_ENV: 'development',
      DATA_DIR: join(dataDir, 'dev2'),
      JWT_SECRET,
      PII_KEY,
    });
    assert.equal(config.jwtSecret, JWT_SECRET);
    assert.deepEqual(config.piiKey, Buffer.from(PII_KEY, 'base64'));
  });
});
