import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module.js';
import { ConfigError, loadConfig } from './common/config/config.js';
import { createPino, PinoLoggerService } from './common/logging/logger.js';
import { onShutdownSignal, prepareRuntime } from './runtime.js';

const log = (msg: string) => process.stdout.write(`[jingwang-worker] ${msg}\n`);

/** `npm run worker`: the outbox relay and the BullMQ workers, without the HTTP server. */
async function main(): Promise<void> {
  const config = { ...loadConfig(), runWorkers: true };
  const runtime = await prepareRuntime(config, log, { shareRunning: true });
  const app = await NestFactory.createApplicationContext(
    AppModule.forRoot({
      config,
      databaseUrl: runtime.databaseUrl,
      queueBackend: runtime.queueBackend,
    }),
    { logger: new PinoLoggerService(createPino(config.logLevel)) },
  );
  onShutdownSignal(async () => {
    await app.close();
    await runtime.stop();
  }, log);
  await app.init();
  log(`Workers running on ${runtime.queueBackend.kind}`);
}

main().catch((err: unknown) => {
  process.stderr.write(
    err instanceof ConfigError ? `${err.message}\n` : `Failed to start: ${String(err)}\n`,
  );
  process.exit(1);
});
