import { describe, it, beforeAll, afterAll } from '@jest/globals';
import assert from 'node:assert/strict';
import type { Actor } from '../../../src/common/auth/actor.js';
import { Role } from '../../../src/common/auth/roles.js';
import { CoordinatorsRepository } from '../../../src/alerts/coordinators/coordinators.repository.js';
import { Coordinator } from '../../../src/alerts/coordinators/entities/coordinator.entity.js';
import { openRepoDb, RepoDb } from '../repo-db.js';
import { makeCoordinator } from './factories.js';

describe('CoordinatorsRepository on PostgreSQL', () => {
  let db: RepoDb;
  let repo: CoordinatorsRepository;
  let ds1: string;
  let xh: string;
  let chen: Actor;
  let admin: Actor;

  beforeAll(async () => {
    db = await openRepoDb([Coordinator]);
    repo = new CoordinatorsRepository(db.ds);
    ds1 = await db.unitId('GY-YY-QL-DS');
    xh = await db.unitId('GY-NM-HX-XH');
    const unitId = await db.unitId('GY-YY-QL');
    const [u] = (await db.admin.query('SELECT path FROM units WHERE id = $1', [unitId])) as {
      path: string;
    }[];
    chen = {
      kind: 'user',
      id: await db.userId('chen.community'),
      username: 'chen.community',
      role: Role.CommunityPolice,
      unitId,
      scopePath: u.path,
    };
    admin = { ...chen, role: Role.Admin, scopePath: null };
  });
  afterAll(() => db.close());

  const fields = (groupName: string) => ({
    name: '王阿姨',
    phone: '13800138000',
    communityId: ds1,
    groupName,
    groupSize: 300,
    channel: 'wecom_bot' as const,
    webhookUrlEnc: 'enc',
    webhookUrlMasked: 'https://qyapi.weixin.qq.com/…',
    robotKeyHash: 'hash',
    webhookSecretEnc: null,
    createdBy: chen.id,
  });

  it('insertCoordinator: a row; the same group of the same community a second time: null', async () => {
    const id = await repo.insertCoordinator(db.ds.manager, fields('幸福小区1群'));
    assert.ok(id);
    const c = await repo.findCoordinatorScoped(chen, id);
    assert.equal(c?.groupSize, 300);
    assert.equal(c?.enabled, true);
    assert.equal(await repo.insertCoordinator(db.ds.manager, fields('幸福小区1群')), null);
    // The table's checks hold: a robot needs its URL and key.
    await assert.rejects(
      repo.insertCoordinator(db.ds.manager, { ...fields('幸福小区2群'), robotKeyHash: null }),
    );
  });

  it('updateCoordinator: the typed columns and updated_at; an empty change is no statement', async () => {
    const id = await makeCoordinator(db.admin, { communityId: ds1, brokenAt: new Date() });
    await repo.updateCoordinator(db.ds.manager, id, {
      groupName: '改名群',
      groupSize: 12,
      channel: 'manual',
      webhookUrlEnc: null,
      webhookUrlMasked: null,
      robotKeyHash: null,
      channelBrokenAt: null,
      channelBrokenReason: null,
    });
    const c = await repo.findCoordinatorScoped(admin, id);
    assert.equal(c?.groupName, '改名群');
    assert.equal(c?.groupSize, 12);
    assert.equal(c?.channel, 'manual');
    assert.equal(c?.channelBrokenAt, null);
    const before = c?.updatedAt;
    await repo.updateCoordinator(db.ds.manager, id, {});
    assert.deepEqual((await repo.findCoordinatorScoped(admin, id))?.updatedAt, before);
  });

  it('findCoordinatorScoped: inside the area only; the admin everywhere', async () => {
    const outside = await makeCoordinator(db.admin, { communityId: xh });
    assert.equal(await repo.findCoordinatorScoped(chen, outside), null);
    assert.equal((await repo.findCoordinatorScoped(admin, outside))?.id, outside);
  });

  it('listCoordinators: by community and enabled, in the area, in pages', async () => {
    const on = await makeCoordinator(db.admin, { communityId: ds1 });
    const off = await makeCoordinator(db.admin, { communityId: ds1, enabled: false });
    await makeCoordinator(db.admin, { communityId: xh });
    const enabled = await repo.listCoordinators(chen, {
      communityId: ds1,
      enabled: true,
      limit: 100,
    });
    assert.ok(enabled.items.some((c) => c.id === on));
    assert.equal(
      enabled.items.some((c) => c.id === off),
      false,
    );
    const disabled = await repo.listCoordinators(chen, { enabled: false, limit: 100 });
    assert.deepEqual(
      disabled.items.map((c) => c.id),
      [off],
    );
    const all = await repo.listCoordinators(chen, { limit: 100 });
    assert.equal(
      all.items.some((c) => c.communityId === xh),
      false,
    );
    const page = await repo.listCoordinators(chen, { limit: 1 });
    assert.equal(page.items.length, 1);
    assert.ok(page.nextCursor);
  });

  it('flagChannelBroken keeps the first reason, cut to 500 characters', async () => {
    const id = await makeCoordinator(db.admin, { communityId: ds1 });
    await repo.flagChannelBroken(id, 'x'.repeat(600));
    await repo.flagChannelBroken(id, 'later');
    const c = await repo.findCoordinatorScoped(admin, id);
    assert.ok(c?.channelBrokenAt);
    assert.equal(c?.channelBrokenReason, 'x'.repeat(500));
  });
});
