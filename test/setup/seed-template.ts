import { NestFactory } from '@nestjs/core';
import { AppModule } from '../../src/app.module.js';
import { createQueueBackend } from '../../src/common/queue/queue-backend.js';
import { SeedService } from '../../src/identity/index.js';
import { testConfig } from './test-config.js';

/** The bootstrap admin and the demo data (units, users of every role), once, in the template. */
export async function seedTemplate(url: string): Promise<void> {
  const app = await NestFactory.createApplicationContext(
    AppModule.forRoot({
      config: testConfig({ runWorkers: false }),
      databaseUrl: url,
      queueBackend: createQueueBackend({ databaseUrl: url, prefix: 'jw' }),
    }),
    { logger: false },
  );
  const seeds = app.get(SeedService);
  await seeds.bootstrapAdmin();
  await seeds.loadDemo();
  await app.close();
}
