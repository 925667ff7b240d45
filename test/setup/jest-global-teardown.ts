import { removeRunFolder } from './run-folder.js';

/** Jest's globalTeardown: stops the servers and removes the run's folder, whatever the tests did. */
export default async function globalTeardown(): Promise<void> {
  const run = globalThis.jwTestRun;
  if (!run) return;
  try {
    await run.servers.stop();
  } finally {
    removeRunFolder(run.runDir);
    globalThis.jwTestRun = undefined;
    process.stdout.write(`[test] ${run.servers.summary}\n`);
  }
}
