import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ACTOR_RESOLVER, ActorResolver } from '../../common/auth/actor-resolver.js';
import { IDENTITY_VIEWS, readSeed, runDemoSeedOnce } from '../../identity/index.js';
import { CreateWarningDto } from './dto/warning.dto.js';
import { WarningsService } from './warnings.service.js';

interface DemoWarningsFile {
  name: string;
  author: string;
  /** A supervisor who is not the author (four-eyes). */
  approver: string;
  warnings: (Omit<CreateWarningDto, 'targetUnitIds'> & { targets: string[] })[];
}

/**
 * Published warnings (seeds/demo-warnings.json): drafted by the demo community officer, approved by
 * a supervisor, published; the fan-out then gives each coordinator of the area a delivery. The demo
 * coordinators are all on the manual channel, so nothing leaves the machine.
 */
@Injectable()
export class DemoWarningsSeeder {
  constructor(
    private readonly warnings: WarningsService,
    @Inject(ACTOR_RESOLVER) private readonly actors: ActorResolver,
    @InjectDataSource() private readonly ds: DataSource,
  ) {}

  async load(file = 'demo-warnings.json'): Promise<boolean> {
    const seed = readSeed<DemoWarningsFile>(file);
    return runDemoSeedOnce(this.ds, this.actors, seed, async (as) => {
      for (const { targets, ...w } of seed.warnings) {
        const units: { id: string }[] = await this.ds.query(
          `SELECT id FROM ${IDENTITY_VIEWS.units} WHERE code = ANY($1)`,
          [targets],
        );
        const draft = await as(seed.author, (actor) =>
          this.warnings.create(actor, { ...w, targetUnitIds: units.map((u) => u.id) }),
        );
        await as(seed.approver, (actor) => this.warnings.approve(actor, draft.id));
        await as(seed.author, (actor) => this.warnings.publish(actor, draft.id, {}));
      }
    });
  }
}
