import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { Page, PageQuery, paginate } from '../../common/pagination/pagination.js';
import { Notification } from './entities/notification.entity.js';

@Injectable()
export class NotificationsRepository {
  constructor(
    @InjectRepository(Notification) private readonly notifications: Repository<Notification>,
  ) {}

  /** One row per (event, user); a replayed event inserts nothing. Returns how many were new. */
  async insertForEvent(
    eventId: string,
    userIds: string[],
    n: { kind: string; title: string; body: string; entity?: string; entityId?: string },
    em: EntityManager = this.notifications.manager,
  ): Promise<number> {
    if (!userIds.length) return 0;
    const rows: unknown[] = await em.query(
      `INSERT INTO notifications (user_id, event_id, kind, title, body, entity, entity_id)
       SELECT u, $2, $3, $4, $5, $6, $7 FROM unnest($1::uuid[]) AS u
       ON CONFLICT (event_id, user_id) DO NOTHING RETURNING id`,
      [userIds, eventId, n.kind, n.title, n.body, n.entity ?? null, n.entityId ?? null],
    );
    return rows.length;
  }

  listForUser(
    userId: string,
    query: PageQuery & { unread?: boolean },
  ): Promise<Page<Notification>> {
    const qb = this.notifications.createQueryBuilder('n').where('n.user_id = :userId', { userId });
    if (query.unread) qb.andWhere('n.read_at IS NULL');
    return paginate(qb, query, {
      sort: "date_trunc('milliseconds', n.created_at)",
      id: 'n.id',
      direction: 'DESC',
      value: (n) => n.createdAt.toISOString(),
    });
  }

  async markRead(em: EntityManager, userId: string, id: string): Promise<Notification | null> {
    await em.query(
      'UPDATE notifications SET read_at = coalesce(read_at, now()) WHERE id = $1 AND user_id = $2',
      [id, userId],
    );
    return em.getRepository(Notification).findOneBy({ id, userId });
  }
}
