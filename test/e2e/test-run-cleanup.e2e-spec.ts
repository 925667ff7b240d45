import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, it } from '@jest/globals';
import { recordServerPid, removeStaleRunFolders, RUN_PREFIX } from '../setup/run-folder.js';

/** The repository (this file runs from dist-test/test/e2e). */
const ROOT = resolve(import.meta.dirname, '../../..');

/** Processes whose working folder or command line lies under `dir`. */
function processesUnder(dir: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cwd = readlinkSync(`/proc/${pid}/cwd`);
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cwd.startsWith(dir) || cmd.includes(dir)) found.push(`${pid}: ${cmd}`);
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}

describe('npm test leaves nothing behind', () => {
  it('a run whose tests fail and time out stops its servers and removes its folders', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'jw-nested-run-'));
    const env: NodeJS.ProcessEnv = { ...process.env, TMPDIR: parent };
    // As on a fresh machine: an embedded PostgreSQL and a throwaway redis-server of its own.
    for (const name of Object.keys(env)) if (name.startsWith('JW_TEST_')) delete env[name];
    delete env.DATABASE_URL;
    delete env.REDIS_URL;
    let output = '';
    let sawRunFolder = false;
    const code = await new Promise<number | null>((done) => {
      const child = spawn(
        process.execPath,
        [
          '--experimental-vm-modules',
          '--no-warnings=ExperimentalWarning',
          join(ROOT, 'node_modules/jest/bin/jest.js'),
          '--config',
          join(ROOT, 'jest.config.mjs'),
          '--roots',
          '<rootDir>/test/fixtures/cleanup',
          '--testMatch',
          '**/*.fixture-spec.js',
          '--testTimeout',
          '3000',
        ],
        { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      const read = (c: Buffer) => {
        output += c.toString();
        sawRunFolder ||= readdirSync(parent).some((n) => n.startsWith(RUN_PREFIX));
      };
      child.stdout.on('data', read);
      child.stderr.on('data', read);
      child.on('exit', (c) => done(c));
    });
    assert.notEqual(code, 0, `the nested run must fail:\n${output}`);
    assert.match(output, /on purpose/);
    assert.match(output, /Exceeded timeout/);
    assert.ok(sawRunFolder, `the nested run worked in a run folder:\n${output}`);
    assert.deepEqual([...readdirSync(parent)], [], 'no temporary folder left');
    assert.deepEqual(processesUnder(parent), [], 'no server left running');
  });

  it('a run killed before its teardown is cleaned up by the next run', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'jw-killed-run-'));
    const dead = spawnSync(process.execPath, ['-e', 'process.pid']).pid;
    const runDir = join(parent, `${RUN_PREFIX}killed`);
    mkdirSync(runDir);
    writeFileSync(join(runDir, 'owner.pid'), String(dead));
    // A server the killed run had started, still running in its folder.
    const server = spawn('sleep', ['300'], { cwd: runDir, stdio: 'ignore' });
    recordServerPid(runDir, server.pid);
    const alive = join(parent, `${RUN_PREFIX}alive`);
    mkdirSync(alive);
    writeFileSync(join(alive, 'owner.pid'), String(process.pid));

    const exited = new Promise<NodeJS.Signals | null>((r) =>
      server.once('exit', (_c, sig) => r(sig)),
    );
    removeStaleRunFolders(parent);

    assert.deepEqual([...readdirSync(parent)], [`${RUN_PREFIX}alive`], 'a live run is left alone');
    // The kill is sent at once; the process is gone once the kernel has reaped it.
    assert.equal(await exited, 'SIGKILL', 'the killed run’s server was stopped');
    assert.deepEqual(processesUnder(runDir), []);
  });
});
