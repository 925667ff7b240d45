import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { plainToInstance } from 'class-transformer';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { ACTOR_RESOLVER, ActorResolver } from '../common/auth/actor-resolver.js';
import { requestContext } from '../common/context/request-context.js';
import { seedsDir } from '../identity/seed.service.js';
import { CasesService } from './cases.service.js';
import { CreateCaseDto } from './dto/case.dto.js';

interface DemoCasesFile {
  name: string;
  officer: string;
  cases: CreateCaseDto[];
}

/** A few realistic cases from seeds/demo-cases.json, filed once through the same intake as the API. */
@Injectable()
export class DemoCasesSeeder {
  private readonly logger = new Logger('Seed');

  constructor(
    private readonly cases: CasesService,
    @Inject(ACTOR_RESOLVER) private readonly actors: ActorResolver,
    @InjectDataSource() private readonly ds: DataSource,
  ) {}

  async load(file = 'demo-cases.json'): Promise<number> {
    const seed = JSON.parse(readFileSync(join(seedsDir(), file), 'utf8')) as DemoCasesFile;
    const done: unknown[] = await this.ds.query('SELECT 1 FROM seed_runs WHERE name = $1', [
      seed.name,
    ]);
    if (done.length) return 0;
    const actor = await this.actors.actorForUsername(seed.officer);
    if (!actor)
      throw new Error(`Demo cases: user ${seed.officer} not found (load seeds/demo.json first)`);
    await requestContext.run({ requestId: `seed:${seed.name}`, origin: 'cli', actor }, async () => {
      for (const c of seed.cases) await this.cases.create(actor, plainToInstance(CreateCaseDto, c));
    });
    await this.ds.query('INSERT INTO seed_runs (name) VALUES ($1) ON CONFLICT DO NOTHING', [
      seed.name,
    ]);
    this.logger.log(`Loaded demo data ${seed.name}`);
    return seed.cases.length;
  }
}
