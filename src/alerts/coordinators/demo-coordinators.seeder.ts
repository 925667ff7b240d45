import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { requestContext } from '../../common/context/request-context.js';
import { IDENTITY_VIEWS, markSeedRan, seedRan, seedsDir } from '../../identity/index.js';
import { CoordinatorsRepository } from './coordinators.repository.js';

interface DemoCoordinatorsFile {
  name: string;
  coordinators: {
    name: string;
    phone: string;
    community: string;
    groupName: string;
    groupSize: number;
    channel: 'manual';
  }[];
}

/**
 * Demo coordinators (seeds/demo-coordinators.json) for the demo communities, all on the manual
 * channel so a demo never posts to a real WeCom group. Loaded once (seed_runs); each row is also
 * unique per (community, group name), so a second start creates no duplicates.
 */
@Injectable()
export class DemoCoordinatorsSeeder {
  private readonly logger = new Logger('Seed');

  constructor(
    private readonly repo: CoordinatorsRepository,
    @InjectDataSource() private readonly ds: DataSource,
  ) {}

  async load(file = 'demo-coordinators.json'): Promise<number> {
    const seed = JSON.parse(readFileSync(join(seedsDir(), file), 'utf8')) as DemoCoordinatorsFile;
    let created = 0;
    await requestContext.run({ requestId: `seed:${seed.name}`, origin: 'cli' }, () =>
      this.ds.transaction(async (em) => {
        if (await seedRan(em, seed.name)) return;
        for (const c of seed.coordinators) {
          const [unit]: { id: string }[] = await em.query(
            `SELECT id FROM ${IDENTITY_VIEWS.units} WHERE code = $1 AND kind = 'community'`,
            [c.community],
          );
          if (!unit) throw new Error(`Demo coordinator ${c.name}: no community ${c.community}`);
          const id = await this.repo.insertCoordinator(em, {
            name: c.name,
            phone: c.phone,
            communityId: unit.id,
            groupName: c.groupName,
            groupSize: c.groupSize,
            channel: 'manual',
            webhookUrlEnc: null,
            webhookUrlMasked: null,
            robotKeyHash: null,
            webhookSecretEnc: null,
            createdBy: null,
          });
          if (id) created++;
        }
        await markSeedRan(em, seed.name);
      }),
    );
    if (created) this.logger.log(`Loaded demo data ${seed.name}`);
    return created;
  }
}
