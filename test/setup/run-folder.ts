import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * One temporary folder per `npm test` run (`jw-test-run-*`), holding everything the run creates
 * on disk: the embedded PostgreSQL's data, the throwaway Redis' working folder and, because the
 * test processes get it as their TMPDIR, every folder a test makes with `mkdtemp(tmpdir())`.
 * Removing it removes them all. The run writes its own pid and its servers' pids into it, so a run
 * that was killed before its teardown is cleaned up by the next one.
 */
export const RUN_PREFIX = 'jw-test-run-';

export function createRunFolder(parent = tmpdir()): string {
  removeStaleRunFolders(parent);
  const dir = mkdtempSync(join(parent, RUN_PREFIX));
  chmodSync(dir, 0o755); // PostgreSQL runs as the postgres user when we are root
  writeFileSync(join(dir, 'owner.pid'), String(process.pid));
  return dir;
}

/** Remembers a server process of the run, for the next run to stop if this one is killed. */
export function recordServerPid(runDir: string, pid: number | undefined): void {
  if (!pid) return;
  const file = join(runDir, 'servers.pid');
  const pids = existsSync(file) ? readFileSync(file, 'utf8') : '';
  writeFileSync(file, `${pids}${pid}\n`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Whether a process still works inside the folder (its cwd or its command line names it). */
function belongsTo(pid: number, dir: string): boolean {
  try {
    if (readlinkSync(`/proc/${pid}/cwd`).startsWith(dir)) return true;
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dir);
  } catch {
    return false;
  }
}

/** Stops the servers of a run folder (those still running inside it) and removes the folder. */
export function removeRunFolder(dir: string): void {
  const file = join(dir, 'servers.pid');
  if (existsSync(file)) {
    for (const pid of readFileSync(file, 'utf8').split('\n').map(Number)) {
      if (pid && alive(pid) && belongsTo(pid, dir)) process.kill(pid, 'SIGKILL');
    }
  }
  rmSync(dir, { recursive: true, force: true });
}

/** Run folders whose run is gone (killed before its teardown): their servers stopped, removed. */
export function removeStaleRunFolders(parent = tmpdir()): void {
  for (const name of readdirSync(parent)) {
    if (!name.startsWith(RUN_PREFIX)) continue;
    const dir = join(parent, name);
    let owner = 0;
    try {
      owner = Number(readFileSync(join(dir, 'owner.pid'), 'utf8'));
    } catch {
      // no owner file: a run that died while creating it
    }
    if (!owner || !alive(owner)) removeRunFolder(dir);
  }
}
