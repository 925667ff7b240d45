import { NestFactory } from '@nestjs/core';
import { AppModule } from '../../src/app.module';
import { createQueueBackend } from '../../src/common/queue/queue-backend';
import { SeedService } from '../../src/identity/seed.service';
import { testConfig } from './test-config';

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
