import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DataSource, EntityManager } from 'typeorm';
import { Actor } from '../common/auth/actor.js';
import { ActorResolver } from '../common/auth/actor-resolver.js';
import { Role } from '../common/auth/roles.js';
import { APP_CONFIG, AppConfig } from '../common/config/config.js';
import { requestContext } from '../common/context/request-context.js';
import { UnitKind } from './units/entities/unit.entity.js';
import { UnitsRepository } from './units/units.repository.js';
import { UnitsService } from './units/units.service.js';
import { UsersRepository } from './users/users.repository.js';
import { UsersService } from './users/users.service.js';

interface SeedFile {
  name: string;
  password: string;
  units: { code: string; kind: UnitKind; name: string; parent?: string }[];
  users: { username: string; displayName: string; role: Role; unit: string }[];
}

/** The project's seeds/ folder, found upwards from this file (works from src/, dist/ and dist-test/). */
export function seedsDir(): string {
  for (let dir = import.meta.dirname; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'seeds', 'demo.json'))) return join(dir, 'seeds');
  }
  throw new Error('seeds/ folder not found');
}

/** Reads seeds/<file> as JSON. */
export function readSeed<T>(file: string): T {
  return JSON.parse(readFileSync(join(seedsDir(), file), 'utf8')) as T;
}

/** Whether the named seed has run (seed_runs, the ledger every module's seeders share). */
export async function seedRan(db: DataSource | EntityManager, name: string): Promise<boolean> {
  const rows: unknown[] = await db.query('SELECT 1 FROM seed_runs WHERE name = $1', [name]);
  return rows.length > 0;
}

/** Records that the named seed ran (in the caller's transaction when given one). */
export async function markSeedRan(db: DataSource | EntityManager, name: string): Promise<void> {
  await db.query('INSERT INTO seed_runs (name) VALUES ($1) ON CONFLICT DO NOTHING', [name]);
}

/**
 * Runs a demo seed once: `load` acts as the named demo user through the feature's own services
 * (so rules, audit rows and outbox events are those of the API), then the seed's name goes into
 * seed_runs. Returns false when it had run before.
 */
export async function runDemoSeedOnce(
  ds: DataSource,
  actors: ActorResolver,
  seed: { name: string },
  load: (as: DemoAs) => Promise<void>,
): Promise<boolean> {
  if (await seedRan(ds, seed.name)) return false;
  const as: DemoAs = async (username, fn) => {
    const actor = await actors.actorForUsername(username);
    if (!actor) throw new Error(`Demo seed ${seed.name}: user ${username} not found`);
    // The actor in the context too: audit rows name who did it.
    return requestContext.run({ requestId: `seed:${seed.name}`, origin: 'cli', actor }, () =>
      fn(actor),
    );
  };
  await load(as);
  await markSeedRan(ds, seed.name);
  new Logger('Seed').log(`Loaded demo data ${seed.name}`);
  return true;
}

/** Runs `fn` as the demo user `username`. */
export type DemoAs = <T>(username: string, fn: (actor: Actor) => Promise<T>) => Promise<T>;

/** First-start data: the bootstrap admin, then the demo data in seeds/ (once; re-runs add nothing). */
@Injectable()
export class SeedService {
  private readonly logger = new Logger('Seed');

  constructor(
    private readonly units: UnitsRepository,
    private readonly unitsService: UnitsService,
    private readonly users: UsersRepository,
    private readonly usersService: UsersService,
    @InjectDataSource() private readonly ds: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Creates the admin from BOOTSTRAP_ADMIN_* when there is no user at all. */
  async bootstrapAdmin(): Promise<string | null> {
    if ((await this.users.count()) > 0) return null;
    const admin = this.config.bootstrapAdmin;
    if (!admin) {
      throw new Error(
        'No user exists: set BOOTSTRAP_ADMIN_USERNAME and BOOTSTRAP_ADMIN_PASSWORD to create the first admin',
      );
    }
    return requestContext.run({ requestId: 'bootstrap', origin: 'cli' }, async () => {
      const unit = await this.findOrCreateUnit({
        code: 'GY',
        kind: UnitKind.CityBureau,
        name: '贵阳市公安局',
      });
      await this.usersService.create({
        username: admin.username,
        displayName: '系统管理员',
        password: admin.password,
        role: Role.Admin,
        unitId: unit,
      });
      this.logger.log(`Created the first admin: ${admin.username}`);
      return admin.username;
    });
  }

  private async findOrCreateUnit(u: {
    code: string;
    kind: UnitKind;
    name: string;
    parentId?: string;
  }): Promise<string> {
    const found = await this.units.findByCode(u.code);
    if (found) return found.id;
    return (await this.unitsService.create(u)).id;
  }

  /** Loads seeds/<file> unless it was loaded before. Returns the demo logins, or null when skipped. */
  async loadDemo(file = 'demo.json'): Promise<{ password: string; usernames: string[] } | null> {
    const seed = JSON.parse(readFileSync(join(seedsDir(), file), 'utf8')) as SeedFile;
    const done: unknown[] = await this.ds.query('SELECT 1 FROM seed_runs WHERE name = $1', [
      seed.name,
    ]);
    const logins = { password: seed.password, usernames: seed.users.map((u) => u.username) };
    if (done.length) return logins;
    await requestContext.run({ requestId: `seed:${seed.name}`, origin: 'cli' }, async () => {
      const ids = new Map<string, string>();
      for (const u of seed.units) {
        const parentId = u.parent ? ids.get(u.parent) : undefined;
        ids.set(
          u.code,
          await this.findOrCreateUnit({ code: u.code, kind: u.kind, name: u.name, parentId }),
        );
      }
      for (const u of seed.users) {
        if (await this.users.findForLogin(u.username)) continue;
        // A unit of this file, or one an earlier file created (demo-city.json adds users only).
        const unitId = ids.get(u.unit) ?? (await this.units.findByCode(u.unit))?.id;
        if (!unitId) throw new Error(`Seed user ${u.username} names unknown unit ${u.unit}`);
        await this.usersService.create({
          username: u.username,
          displayName: u.displayName,
          password: seed.password,
          role: u.role,
          unitId,
        });
      }
      await this.ds.query('INSERT INTO seed_runs (name) VALUES ($1) ON CONFLICT DO NOTHING', [
        seed.name,
      ]);
    });
    this.logger.log(`Loaded demo data ${seed.name}`);
    return logins;
  }
}
