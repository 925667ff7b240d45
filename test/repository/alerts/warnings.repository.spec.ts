import { describe, it, beforeAll, afterAll } from '@jest/globals';
import assert from 'node:assert/strict';
import type { Actor } from '../../../src/common/auth/actor.js';
import { Role } from '../../../src/common/auth/roles.js';
import { AlertsLookups } from '../../../src/alerts/lookups.repository.js';
import { Warning } from '../../../src/alerts/warnings/entities/warning.entity.js';
import { WarningsRepository } from '../../../src/alerts/warnings/warnings.repository.js';
import { openRepoDb, RepoDb } from '../repo-db.js';
import { FRAUD_TYPE, makeWarning } from './factories.js';

describe('WarningsRepository and AlertsLookups on PostgreSQL', () => {
  let db: RepoDb;
  let repo: WarningsRepository;
  let lookups: AlertsLookups;
  let station: string;
  let ds1: string;
  let qldl: string;
  let hx: string;
  let supervisor: string;
  let chen: Actor;
  let wang: Actor;

  const actorOf = async (username: string, role: Role, unitCode: string): Promise<Actor> => {
    const unitId = await db.unitId(unitCode);
    const [u] = (await db.admin.query('SELECT path FROM units WHERE id = $1', [unitId])) as {
      path: string;
    }[];
    return {
      kind: 'user',
      id: await db.userId(username),
      username,
      role,
      unitId,
      scopePath: u.path,
    };
  };

  beforeAll(async () => {
    db = await openRepoDb([Warning]);
    repo = new WarningsRepository(db.ds);
    lookups = new AlertsLookups(db.ds);
    station = await db.unitId('GY-YY-QL');
    ds1 = await db.unitId('GY-YY-QL-DS');
    qldl = await db.unitId('GY-YY-QL-QLDL');
    hx = await db.unitId('GY-NM-HX');
    supervisor = await db.userId('wu.supervisor');
    chen = await actorOf('chen.community', Role.CommunityPolice, 'GY-YY-QL');
    wang = await actorOf('wang.officer', Role.Officer, 'GY-NM-HX');
  });
  afterAll(() => db.close());

  const newWarning = (over: Partial<Parameters<WarningsRepository['insertWarning']>[1]> = {}) => ({
    title: '警惕刷单返利',
    body: '正文',
    fraudType: FRAUD_TYPE,
    severity: 'moderate' as const,
    unitId: station,
    authorId: chen.id,
    publishAt: null,
    ...over,
  });

  it('insertWarning: the warning and its targets (each once); a trend key only once', async () => {
    const id = await repo.insertWarning(db.ds.manager, newWarning(), [ds1, qldl, ds1]);
    assert.ok(id);
    const targets = await repo.targetsOf([id]);
    assert.deepEqual(targets.map((t) => t.id).sort(), [ds1, qldl].sort());
    const w = await repo.findWarning(id);
    assert.equal(w?.status, 'draft');
    assert.equal(w?.source, 'manual');

    const trend = newWarning({ source: 'trend_scan', trendKey: `k-${Date.now()}`, authorId: null });
    assert.ok(await repo.insertWarning(db.ds.manager, trend, [station]));
    assert.equal(await repo.insertWarning(db.ds.manager, trend, [station]), null);
  });

  it('findWarningScoped: only inside the actor’s area', async () => {
    const id = await makeWarning(db.admin, { unitId: station, targets: [ds1] });
    assert.equal((await repo.findWarningScoped(chen, id))?.id, id);
    assert.equal(await repo.findWarningScoped(wang, id), null);
    assert.equal(await repo.findWarningScoped(chen, '00000000-0000-4000-8000-000000000000'), null);
  });

  it('findWarning with an update lock blocks a share lock until commit', async () => {
    const id = await makeWarning(db.admin, { unitId: station, targets: [ds1] });
    const holder = db.ds.createQueryRunner();
    await holder.connect();
    await holder.startTransaction();
    await repo.findWarning(id, holder.manager, 'update');
    let done = false;
    const share = db.ds.transaction(async (em) => {
      const w = await repo.findWarning(id, em, 'share');
      done = true;
      return w;
    });
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(done, false);
    await holder.commitTransaction();
    await holder.release();
    assert.equal((await share)?.id, id);
  });

  it('updateWarning sets the typed columns and updated_at', async () => {
    const id = await makeWarning(db.admin, { unitId: station, targets: [ds1] });
    const [before] = (await db.admin.query('SELECT updated_at FROM warnings WHERE id = $1', [
      id,
    ])) as { updated_at: Date }[];
    await new Promise((r) => setTimeout(r, 20));
    const at = new Date('2026-11-30T02:00:00Z');
    await repo.updateWarning(db.ds.manager, id, {
      status: 'approved',
      approvedBy: supervisor,
      approvedAt: at,
    });
    const [after] = (await db.admin.query(
      'SELECT status, approved_by, approved_at, updated_at FROM warnings WHERE id = $1',
      [id],
    )) as { status: string; approved_by: string; approved_at: Date; updated_at: Date }[];
    assert.equal(after.status, 'approved');
    assert.equal(after.approved_by, supervisor);
    assert.equal(new Date(after.approved_at).getTime(), at.getTime());
    assert.ok(new Date(after.updated_at).getTime() > new Date(before.updated_at).getTime());
    // The table's checks still hold (published needs published_at).
    await assert.rejects(repo.updateWarning(db.ds.manager, id, { status: 'published' }));
  });

  it('listWarnings: the actor’s area, by status, newest first, in pages', async () => {
    const mine: string[] = [];
    for (let i = 0; i < 3; i++)
      mine.push(
        await makeWarning(db.admin, {
          unitId: station,
          targets: [ds1],
          status: 'approved',
          approvedBy: supervisor,
          createdAt: new Date(Date.UTC(2030, 0, 1 + i)),
        }),
      );
    await makeWarning(db.admin, {
      unitId: hx,
      targets: [hx],
      status: 'approved',
      approvedBy: supervisor,
    });
    const first = await repo.listWarnings(chen, { status: 'approved', limit: 2 });
    assert.deepEqual(
      first.items.map((w) => w.id),
      [mine[2], mine[1]],
    );
    assert.ok(first.nextCursor);
    const second = await repo.listWarnings(chen, {
      status: 'approved',
      limit: 2,
      cursor: first.nextCursor,
    });
    assert.equal(second.items[0].id, mine[0]);
    const theirs = await repo.listWarnings(wang, { status: 'approved', limit: 50 });
    assert.equal(
      theirs.items.some((w) => mine.includes(w.id)),
      false,
    );
  });

  it('targetsOf: by unit code, for several warnings; none for an unknown one', async () => {
    const a = await makeWarning(db.admin, { unitId: station, targets: [qldl, ds1] });
    const b = await makeWarning(db.admin, { unitId: station, targets: [station] });
    const rows = await repo.targetsOf([a, b]);
    assert.deepEqual(
      rows.filter((r) => r.warning_id === a).map((r) => r.code),
      ['GY-YY-QL-DS', 'GY-YY-QL-QLDL'],
    );
    assert.deepEqual(
      rows.filter((r) => r.warning_id === b).map((r) => r.code),
      ['GY-YY-QL'],
    );
    assert.deepEqual(await repo.targetsOf(['00000000-0000-4000-8000-000000000000']), []);
  });

  it('warningsToFanOut: due schedules and lost fan-outs, skipping locked rows', async () => {
    await db.admin.query(
      "UPDATE warnings SET fanned_out_at = now() WHERE status = 'published' AND fanned_out_at IS NULL",
    );
    const past = new Date(Date.now() - 120_000);
    const due = await makeWarning(db.admin, {
      unitId: station,
      targets: [ds1],
      status: 'scheduled',
      approvedBy: supervisor,
      publishAt: past,
    });
    const lost = await makeWarning(db.admin, {
      unitId: station,
      targets: [ds1],
      status: 'published',
      approvedBy: supervisor,
      publishedAt: past,
    });
    const held = await makeWarning(db.admin, {
      unitId: station,
      targets: [ds1],
      status: 'published',
      approvedBy: supervisor,
      publishedAt: past,
    });
    await makeWarning(db.admin, {
      unitId: station,
      targets: [ds1],
      status: 'published',
      approvedBy: supervisor,
      publishedAt: past,
      fannedOutAt: past,
    });
    await makeWarning(db.admin, {
      unitId: station,
      targets: [ds1],
      status: 'scheduled',
      approvedBy: supervisor,
      publishAt: new Date(Date.now() + 3_600_000),
    });
    const other = db.admin.createQueryRunner();
    await other.connect();
    await other.startTransaction();
    await other.query('SELECT 1 FROM warnings WHERE id = $1 FOR UPDATE', [held]);
    try {
      const ids = await db.ds.transaction((em) => repo.warningsToFanOut(em, 60_000));
      assert.deepEqual([...ids].sort(), [due, lost].sort());
    } finally {
      await other.rollbackTransaction();
      await other.release();
    }
  });

  it('AlertsLookups: units by id, one unit, a fraud type', async () => {
    const units = await lookups.units([ds1, station, '00000000-0000-4000-8000-000000000000']);
    assert.deepEqual(units.map((u) => u.code).sort(), ['GY-YY-QL', 'GY-YY-QL-DS']);
    assert.equal((await lookups.unitOf(ds1))?.kind, 'community');
    assert.equal(await lookups.unitOf('00000000-0000-4000-8000-000000000000'), undefined);
    const ft = await lookups.fraudType(FRAUD_TYPE);
    assert.equal(ft?.code, FRAUD_TYPE);
    assert.ok(ft?.label_zh);
    assert.equal(await lookups.fraudType('no_such_type'), undefined);
  });
});
