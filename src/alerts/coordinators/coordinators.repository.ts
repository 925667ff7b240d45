import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { Actor } from '../../common/auth/actor.js';
import { scopeWhere } from '../../common/auth/scope.js';
import { Page, paginate } from '../../common/pagination/pagination.js';
import type { Channel } from '../deliveries/channels.js';
import type { ListCoordinatorsQuery } from './dto/coordinator.dto.js';
import { Coordinator } from './entities/coordinator.entity.js';

/** What an edit of a coordinator may change; the only columns an update may set. */
export type CoordinatorChanges = Partial<
  Pick<
    Coordinator,
    | 'name'
    | 'phone'
    | 'groupName'
    | 'groupSize'
    | 'enabled'
    | 'channel'
    | 'webhookUrlEnc'
    | 'webhookUrlMasked'
    | 'robotKeyHash'
    | 'webhookSecretEnc'
    | 'channelBrokenAt'
    | 'channelBrokenReason'
  >
>;

export interface NewCoordinator {
  name: string;
  phone: string;
  communityId: string;
  groupName: string;
  groupSize: number;
  channel: Channel;
  webhookUrlEnc: string | null;
  webhookUrlMasked: string | null;
  robotKeyHash: string | null;
  webhookSecretEnc: string | null;
  createdBy: string | null;
}

/** 群协调员 and their channels. */
@Injectable()
export class CoordinatorsRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /**
   * Hand-written for ON CONFLICT (community_id, group_name) DO NOTHING: a second coordinator for
   * the same group returns null (the service answers 409; the demo seeder skips it).
   */
  async insertCoordinator(em: EntityManager, c: NewCoordinator): Promise<string | null> {
    const rows: { id: string }[] = await em.query(
      `INSERT INTO coordinators (name, phone, community_id, group_name, group_size, channel,
         webhook_url_enc, webhook_url_masked, robot_key_hash, webhook_secret_enc, created_by)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)
       ON CONFLICT (community_id, group_name) DO NOTHING RETURNING id`,
      [
        c.name,
        c.phone,
        c.communityId,
        c.groupName,
        c.groupSize,
        c.channel,
        c.webhookUrlEnc,
        c.webhookUrlMasked,
        c.robotKeyHash,
        c.webhookSecretEnc,
        c.createdBy,
      ],
    );
    return rows[0]?.id ?? null;
  }

  /** A typed update (updated_at follows); nothing to change changes nothing. */
  async updateCoordinator(em: EntityManager, id: string, set: CoordinatorChanges): Promise<void> {
    if (!Object.keys(set).length) return;
    await em.createQueryBuilder().update(Coordinator).set(set).where('id = :id', { id }).execute();
  }

  async findCoordinatorScoped(
    actor: Actor,
    id: string,
    em: EntityManager = this.ds.manager,
    lock = false,
  ): Promise<Coordinator | null> {
    const scope = scopeWhere(actor, 'c.community_id');
    const qb = em
      .getRepository(Coordinator)
      .createQueryBuilder('c')
      .where('c.id = :id', { id })
      .andWhere(scope.sql, scope.params);
    if (lock) qb.setLock('pessimistic_write');
    return qb.getOne();
  }

  async listCoordinators(actor: Actor, q: ListCoordinatorsQuery): Promise<Page<Coordinator>> {
    const scope = scopeWhere(actor, 'c.community_id');
    const qb = this.ds
      .getRepository(Coordinator)
      .createQueryBuilder('c')
      .where(scope.sql, scope.params);
    if (q.communityId) qb.andWhere('c.community_id = :cid', { cid: q.communityId });
    if (q.enabled !== undefined) qb.andWhere('c.enabled = :en', { en: q.enabled });
    return paginate(qb, q, {
      sort: 'c.created_at',
      id: 'c.id',
      value: (c) => c.createdAt.toISOString(),
    });
  }

  /** The first failure's reason is kept: a later one does not overwrite what the officer reads. */
  async flagChannelBroken(coordinatorId: string, reason: string): Promise<void> {
    await this.ds.query(
      `UPDATE coordinators SET channel_broken_at = now(), channel_broken_reason = $2, updated_at = now()
       WHERE id = $1 AND channel_broken_at IS NULL`,
      [coordinatorId, reason.slice(0, 500)],
    );
  }
}
