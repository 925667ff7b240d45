import 'reflect-metadata';
import { startTestServers, TestServers } from './global-setup.js';
import { createRunFolder, removeRunFolder } from './run-folder.js';

declare global {
  // Handed from the global setup to the global teardown (same process).
  var jwTestRun: { servers: TestServers; runDir: string } | undefined;
}

/**
 * Jest's globalSetup: once per `npm test`, in Jest's own process, before any test file. Starts the
 * servers and passes their addresses to the test processes through the environment (Jest starts
 * its workers after this, and they inherit it). The run's folder becomes TMPDIR for the tests, so
 * whatever they leave in a temporary folder goes with it at the end, even when a test failed.
 */
export default async function globalSetup(): Promise<void> {
  const runDir = createRunFolder();
  // From here on, whatever this process or a test makes in a temporary folder is inside the run's.
  Object.assign(process.env, { JW_TEST_RUN_DIR: runDir, TMPDIR: runDir });
  let servers: TestServers;
  try {
    servers = await startTestServers(runDir);
  } catch (err) {
    removeRunFolder(runDir);
    throw err;
  }
  Object.assign(process.env, servers.env, { NODE_ENV: 'test' });
  globalThis.jwTestRun = { servers, runDir };
  // Interrupted (Ctrl-C, a CI timeout's SIGTERM): Jest may exit without its teardown.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      removeRunFolder(runDir);
      process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 1));
    });
  }
  process.once('exit', () => removeRunFolder(runDir));
  process.stdout.write(`\n[test] ${servers.summary}\n`);
}
