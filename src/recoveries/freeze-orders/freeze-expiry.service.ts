import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditService } from '../../common/audit/audit.service.js';
import { Clock } from '../../common/clock.js';
import { formatYuan, parseFenFromDb } from '../../common/money.js';
import { NotificationsService } from '../../identity/index.js';
import { FREEZE_ORDER_KIND_LABELS, isLive, transition } from './freeze-order-status.js';
import { FreezeOrdersRepository, ReminderRow } from './freeze-orders.repository.js';
import { FreezeExpiryScheduler } from './freeze-expiry.scheduler.js';
import { chinaTime } from '../../common/china-time.js';

export type FreezeExpiryOutcome = 'stale' | 'early' | 'reminded' | 'expired';

function body(r: ReminderRow, expired: boolean): string {
  const what = FREEZE_ORDER_KIND_LABELS[r.kind];
  const amount =
    r.frozen_fen === null ? '' : `，金额 ${formatYuan(parseFenFromDb(r.frozen_fen))} 元`;
  const when = chinaTime(new Date(r.expires_at));
  return expired
    ? `案件 ${r.case_no}：${r.bank_name} 账户 ${r.account} 的${what}已于 ${when} 到期失效${amount}。`
    : `案件 ${r.case_no}：${r.bank_name} 账户 ${r.account} 的${what}将于 ${when} 到期${amount}，请及时${
        r.kind === 'freeze' ? '续冻或解除' : '转为冻结'
      }。`;
}

/**
 * 到期提醒: runs when an order's reminder or expiry falls due. It re-reads the order under a row
 * lock and acts only if the job is of the order's current schedule generation, the order is live
 * and the Clock says the moment has come; an early job schedules the next check instead, a stale
 * or duplicate one does nothing. The reminder is sent once (reminded_at), the expiry happens once
 * (the status), and notify is idempotent per (outbox event, user).
 */
@Injectable()
export class FreezeExpiryService {
  private readonly logger = new Logger('FreezeExpiry');

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly repo: FreezeOrdersRepository,
    private readonly scheduler: FreezeExpiryScheduler,
    private readonly notifications: NotificationsService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  /**
   * Acts on the order's check of schedule generation `gen`; `eventId` makes the notifications of
   * a job run twice arrive once.
   */
  async check(orderId: string, gen: number, eventId: string): Promise<FreezeExpiryOutcome> {
    return this.ds.transaction(async (em) => {
      const order = await this.repo.lock(em, orderId);
      if (!order || order.expiryGen !== gen || !isLive(order.status) || !order.expiresAt)
        return 'stale';
      const now = this.clock.now();
      const info = await this.repo.reminderInfo(em, order.id);
      const officer = info?.officer_id ?? info?.case_officer_id ?? null;
      if (now >= order.expiresAt) {
        const to = transition(order, 'expire', now);
        await this.repo.update(em, order.id, { status: to });
        await this.repo.insertEvent(em, {
          orderId: order.id,
          action: 'expire',
          from: order.status,
          to,
          actor: null,
          at: now,
          details: { expiresAt: order.expiresAt.toISOString() },
        });
        if (info && officer) {
          await this.notifications.notify(
            eventId,
            [officer],
            {
              kind: 'freeze_order.expired',
              title: `${FREEZE_ORDER_KIND_LABELS[order.kind]}已到期`,
              body: body(info, true),
              entity: 'freeze_order',
              entityId: order.id,
            },
            em,
          );
        }
        await this.audit.record(em, {
          action: 'freeze_order.expire',
          entity: 'freeze_order',
          entityId: order.id,
          details: { kind: order.kind, officerId: officer },
        });
        return 'expired';
      }
      if (order.remindAt && !order.remindedAt && now >= order.remindAt) {
        await this.repo.update(em, order.id, { remindedAt: now });
        await this.repo.insertEvent(em, {
          orderId: order.id,
          action: 'remind',
          from: order.status,
          to: order.status,
          actor: null,
          at: now,
          details: { officerId: officer, expiresAt: order.expiresAt.toISOString() },
        });
        if (info && officer) {
          await this.notifications.notify(
            eventId,
            [officer],
            {
              kind: 'freeze_order.expiring',
              title: `${FREEZE_ORDER_KIND_LABELS[order.kind]}即将到期`,
              body: body(info, false),
              entity: 'freeze_order',
              entityId: order.id,
            },
            em,
          );
        } else {
          this.logger.warn({ orderId: order.id }, 'Expiry reminder has no officer to tell');
        }
        await this.audit.record(em, {
          action: 'freeze_order.remind',
          entity: 'freeze_order',
          entityId: order.id,
          details: { kind: order.kind, officerId: officer },
        });
        await this.scheduler.schedule(em, order.id);
        return 'reminded';
      }
      // Early (a delay cut to the queue's maximum, or a clock that has not moved): wait again.
      await this.scheduler.schedule(em, order.id);
      return 'early';
    });
  }
}
