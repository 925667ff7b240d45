import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { plainToInstance } from 'class-transformer';
import { DataSource } from 'typeorm';
import { ACTOR_RESOLVER, ActorResolver } from '../common/auth/actor-resolver.js';
import { readSeed, runDemoSeedOnce } from '../identity/index.js';
import { CasesService } from './case/cases.service.js';
import { CreateCaseDto } from './case/dto/case.dto.js';
import { TransferFlagsService } from './transfer-flags/transfer-flags.service.js';

interface DemoCasesFile {
  name: string;
  /** Who files a case that names no officer of its own. */
  officer: string;
  cases: (CreateCaseDto & { officer?: string })[];
}

interface DemoFlagsFile {
  name: string;
  /** The bank liaison who sends the batch. */
  liaison: string;
  flags: Record<string, unknown>[];
}

/**
 * Realistic cases (seeds/demo-cases.json) filed by officers of several units, and a bank's
 * suspicious-transfer flags (seeds/demo-flags.json) of which one hits a case and opens a dissuasion
 * task: through the same intake as the API, once each.
 */
@Injectable()
export class DemoCasesSeeder {
  constructor(
    private readonly cases: CasesService,
    private readonly flags: TransferFlagsService,
    @Inject(ACTOR_RESOLVER) private readonly actors: ActorResolver,
    @InjectDataSource() private readonly ds: DataSource,
  ) {}

  async load(file = 'demo-cases.json'): Promise<number> {
    const seed = readSeed<DemoCasesFile>(file);
    const loaded = await runDemoSeedOnce(this.ds, this.actors, seed, async (as) => {
      for (const { officer, ...c } of seed.cases)
        await as(officer ?? seed.officer, (actor) =>
          this.cases.create(actor, plainToInstance(CreateCaseDto, c)),
        );
    });
    return loaded ? seed.cases.length : 0;
  }

  async loadFlags(file = 'demo-flags.json'): Promise<number> {
    const seed = readSeed<DemoFlagsFile>(file);
    const loaded = await runDemoSeedOnce(this.ds, this.actors, seed, (as) =>
      as(seed.liaison, async (actor) => {
        await this.flags.ingest(actor, { flags: seed.flags });
      }),
    );
    return loaded ? seed.flags.length : 0;
  }
}
