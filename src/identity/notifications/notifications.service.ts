import { Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../../common/audit/audit.service.js';
import type { Actor } from '../../common/auth/actor.js';
import { PageQuery } from '../../common/pagination/pagination.js';
import type { Role } from '../../common/auth/roles.js';
import { UnitsRepository } from '../units/units.repository.js';
import { UsersRepository } from '../users/users.repository.js';
import { NotificationsRepository } from './notifications.repository.js';

export interface NotificationContent {
  kind: string;
  title: string;
  body: string;
  entity?: string;
  entityId?: string;
}

/** In-app notifications. Other modules call `notify` from their job handlers. */
@Injectable()
export class NotificationsService {
  constructor(
    private readonly repo: NotificationsRepository,
    private readonly units: UnitsRepository,
    private readonly users: UsersRepository,
    private readonly audit: AuditService,
    @InjectDataSource() private readonly ds: DataSource,
  ) {}

  /**
   * Idempotent per (eventId, user). Returns how many notifications were new.
   * `em`: a caller inside a transaction passes its manager, so the notifications are written on
   * that connection and with it (a second connection from the pool, taken while the first is held,
   * lets concurrent callers hold the whole pool and wait on each other).
   */
  notify(
    eventId: string,
    userIds: string[],
    content: NotificationContent,
    em?: EntityManager,
  ): Promise<number> {
    return this.repo.insertForEvent(eventId, [...new Set(userIds)], content, em);
  }

  /** Notifies the enabled users of these roles anywhere under a unit (a bank's liaisons in all its branches). */
  async notifyRolesUnder(
    eventId: string,
    unitId: string,
    roles: Role[],
    content: NotificationContent,
  ): Promise<number> {
    const unit = await this.units.findById(unitId);
    if (!unit) return 0;
    return this.notify(eventId, await this.users.activeInSubtree(unit.path, roles), content);
  }

  list(actor: Actor, query: PageQuery & { unread?: boolean }) {
    return this.repo.listForUser(actor.id, query);
  }

  async markRead(actor: Actor, id: string) {
    return this.ds.transaction(async (em) => {
      const n = await this.repo.markRead(em, actor.id, id);
      if (!n) throw new NotFoundException('Notification not found');
      await this.audit.record(em, {
        action: 'notification.read',
        entity: 'notification',
        entityId: id,
      });
      return n;
    });
  }
}
