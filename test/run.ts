import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { startTestServers } from './setup/global-setup';

/** Test files of the compiled tree: unit tests (src/**\/*.spec.js) and end-to-end tests (test/**\/*.e2e-spec.js). */
function findTests(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return findTests(path);
    return /\.(spec|e2e-spec)\.js$/.test(name) ? [path] : [];
  });
}

/**
 * `npm test`: starts the servers the tests need, runs every test file with Node's test runner
 * (each file in its own process, two at a time where the server's connections allow, each on its
 * own cloned database), then stops the servers. Arguments filter the files by substring.
 */
async function main(): Promise<number> {
  const root = join(__dirname, '..');
  const filters = process.argv.slice(2);
  const files = [...findTests(join(root, 'src')), ...findTests(join(root, 'test'))]
    .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
    .sort();
  if (!files.length) {
    process.stderr.write(`No test file matches ${filters.join(' ')}\n`);
    return 1;
  }
  const servers = await startTestServers();
  process.stdout.write(`[test] ${servers.summary}\n[test] ${files.length} files\n`);
  let code: number;
  try {
    code = await new Promise<number>((resolve) => {
      const child = spawn(
        process.execPath,
        [
          '--test',
          `--test-concurrency=${process.env.TEST_CONCURRENCY ?? servers.concurrency}`,
          '--test-reporter=spec',
          // A file whose tests are done exits even if something left a connection open, and a test
          // that waits forever fails after 5 minutes: a hang is a red run, never a stalled one.
          '--test-force-exit',
          '--test-timeout=300000',
          ...files.map((f) => relative(process.cwd(), f)),
        ],
        { stdio: 'inherit', env: { ...process.env, ...servers.env, NODE_ENV: 'test' } },
      );
      child.on('exit', (c) => resolve(c ?? 1));
    });
  } finally {
    await servers.stop();
  }
  process.stdout.write(`[test] ${servers.summary}\n`);
  return code;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(
      `Test run failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  },
);
