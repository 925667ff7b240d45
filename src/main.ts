import 'reflect-metadata';
import { createApp } from './app.js';
import { ConfigError, loadConfig } from './common/config/config.js';
import { DemoCoordinatorsSeeder, DemoWarningsSeeder } from './alerts/index.js';
import { DemoCasesSeeder } from './cases/index.js';
import { DemoRecoveriesSeeder } from './recoveries/index.js';
import { SeedService } from './identity/index.js';
import { onShutdownSignal, prepareRuntime } from './runtime.js';

const log = (msg: string) => process.stdout.write(`[jingwang] ${msg}\n`);

/**
 * The demo city (seeds/, README "Demo data"): units and users, then each feature's demo seeder
 * acting as demo users through its service. Each part runs once (seed_runs).
 */
async function loadDemoCity(app: Awaited<ReturnType<typeof createApp>>) {
  const seeds = app.get(SeedService);
  const demo = await seeds.loadDemo();
  const city = await seeds.loadDemo('demo-city.json');
  const cases = app.get(DemoCasesSeeder);
  await cases.load();
  await cases.load('demo-city-cases.json');
  await cases.loadFlags();
  await app.get(DemoCoordinatorsSeeder).load();
  await app.get(DemoRecoveriesSeeder).load();
  await app.get(DemoWarningsSeeder).load();
  return demo && { ...demo, usernames: [...demo.usernames, ...(city?.usernames ?? [])] };
}

/** `npm start`: database (embedded if none given), migrations, seeds, API and workers in one process. */
async function main(): Promise<void> {
  const config = loadConfig();
  const runtime = await prepareRuntime(config, log);
  let app: Awaited<ReturnType<typeof createApp>> | undefined;
  onShutdownSignal(async () => {
    await app?.close();
    await runtime.stop();
    log('Stopped');
  }, log);
  try {
    app = await createApp({
      config,
      databaseUrl: runtime.databaseUrl,
      queueBackend: runtime.queueBackend,
    });
    const seeds = app.get(SeedService);
    await seeds.bootstrapAdmin();
    const demo = config.seedDemo ? await loadDemoCity(app) : null;
    await app.listen({ port: config.port, host: config.host });
    const base = `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${config.port}`;
    log(`API      ${base}/api/v1`);
    log(`Docs     ${base}/docs  (OpenAPI JSON: ${base}/docs-json)`);
    log(`Health   ${base}/health   Metrics ${base}/metrics   Queues ${base}/queues (admin)`);
    if (config.bootstrapAdmin)
      log(
        `Admin    ${config.bootstrapAdmin.username} / ${config.nodeEnv === 'production' ? '(from BOOTSTRAP_ADMIN_PASSWORD)' : config.bootstrapAdmin.password}`,
      );
    if (demo) log(`Demo     ${demo.usernames.join(', ')}  (password: ${demo.password})`);
  } catch (err) {
    await app?.close().catch(() => undefined);
    await runtime.stop();
    throw err;
  }
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
  } else {
    process.stderr.write(
      `Failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
  }
  process.exit(1);
});
