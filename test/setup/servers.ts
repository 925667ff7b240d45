import { execFileSync, spawn } from 'node:child_process';
import { connect, createServer } from 'node:net';
import type { ChildProcess } from 'node:child_process';
import { tmpdir } from 'node:os';
import { recordServerPid } from './run-folder.js';

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export function redisServerOnPath(): boolean {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export interface RedisServer {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * A throwaway redis-server (no persistence) on the given or a free port. It works in the test
 * run's folder, where the run records it, so a run killed before its teardown leaves no server
 * behind for long: the next run stops it.
 */
export async function startRedisServer(port?: number): Promise<RedisServer> {
  const p = port ?? (await freePort());
  const child: ChildProcess = spawn(
    'redis-server',
    [
      '--port',
      String(p),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--daemonize',
      'no',
      '--loglevel',
      'warning',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], cwd: process.env.JW_TEST_RUN_DIR ?? tmpdir() },
  );
  if (process.env.JW_TEST_RUN_DIR) recordServerPid(process.env.JW_TEST_RUN_DIR, child.pid);
  let out = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  await new Promise<void>((resolve, reject) => {
    const deadline = Date.now() + 10_000;
    const tick = () => {
      const sock = connect(p, '127.0.0.1');
      sock.once('connect', () => {
        sock.destroy();
        resolve();
      });
      sock.once('error', () => {
        if (child.exitCode !== null) reject(new Error(`redis-server exited: ${out}`));
        else if (Date.now() > deadline) reject(new Error(`redis-server did not start: ${out}`));
        else setTimeout(tick, 50);
      });
    };
    tick();
  });
  return {
    url: `redis://127.0.0.1:${p}`,
    port: p,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
