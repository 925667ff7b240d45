import { Injectable } from '@nestjs/common';
import type { Job } from 'bullmq';
import { Role } from '../../common/auth/roles.js';
import { chinaTime } from '../../common/china-time.js';
import { formatYuan, parseFenFromDb } from '../../common/money.js';
import { outboxEventId } from '../../common/outbox/outbox-event-id.js';
import { OnJob } from '../../common/queue/on-job.decorator.js';
import { NotificationsService } from '../../identity/notifications/notifications.service.js';
import { FreezeOrdersRepository, NoticeRow } from '../freeze-orders.repository.js';

export interface FreezeOrderNotifyJob {
  orderId: string;
  /**
   * answered: the officer learns the bank's answer. Every other event is something the bank must
   * carry out, so its liaisons learn of it: a new order, a stop-payment converted into a freeze (the
   * new freeze's id), a renewal, a release.
   */
  event: 'requested' | 'answered' | 'converted' | 'renewed' | 'released';
}

declare module '../../common/queue/jobs.js' {
  interface JobPayloads {
    /** Tells a bank's liaisons of a new stop-payment or freeze order, and the officer of the answer. */
    'freeze-order-notify': FreezeOrderNotifyJob;
  }
}

const KIND_ZH = { stop_payment: '紧急止付', freeze: '冻结' } as const;
const ANSWER_ZH: Record<string, string> = {
  frozen: '已全额冻结',
  partially_frozen: '已部分冻结',
  rejected: '已拒绝',
};

/**
 * 止付冻结通知: a stop-payment is worth only as much as the minutes it saves, so a new order is
 * pushed to every liaison of the bank asked, and the bank's answer to the officer who asked.
 * Idempotent per (outbox event, user).
 */
@Injectable()
export class FreezeOrderNotifyHandler {
  constructor(
    private readonly repo: FreezeOrdersRepository,
    private readonly notifications: NotificationsService,
  ) {}

  @OnJob('freeze-order-notify', { queue: 'notifications' })
  async handle(payload: FreezeOrderNotifyJob, job: Job): Promise<number> {
    const o = await this.repo.noticeInfo(payload.orderId);
    if (!o) return 0;
    const kind = KIND_ZH[o.kind];
    const eventId = outboxEventId(job);
    if (payload.event !== 'answered') {
      const notice = this.bankNotice(payload.event, o);
      return this.notifications.notifyRolesUnder(eventId, o.bank_unit_id, [Role.BankLiaison], {
        kind: `freeze_order.${payload.event}`,
        ...notice,
        entity: 'freeze_order',
        entityId: o.id,
      });
    }
    const officer = o.officer_id ?? o.case_officer_id;
    if (!officer || !o.answer) return 0;
    const frozen =
      o.frozen_fen === null ? '' : `，冻结金额 ${formatYuan(parseFenFromDb(o.frozen_fen))} 元`;
    return this.notifications.notify(eventId, [officer], {
      kind: 'freeze_order.answered',
      title: `${o.bank_name}${ANSWER_ZH[o.answer] ?? o.answer}：${o.case_no}`,
      body: `${o.bank_name}对账户 ${o.account} 的${kind}请求${ANSWER_ZH[o.answer] ?? o.answer}${frozen}${o.reject_reason ? `；原因：${o.reject_reason}` : ''}。`,
      entity: 'freeze_order',
      entityId: o.id,
    });
  }

  private bankNotice(
    event: Exclude<FreezeOrderNotifyJob['event'], 'answered'>,
    o: NoticeRow,
  ): { title: string; body: string } {
    const kind = KIND_ZH[o.kind];
    const until = o.expires_at ? chinaTime(o.expires_at) : '';
    const frozen =
      o.frozen_fen === null ? '' : `，冻结金额 ${formatYuan(parseFenFromDb(o.frozen_fen))} 元`;
    switch (event) {
      case 'requested':
        return {
          title: `新的${kind}请求：${o.case_no}`,
          body: `${o.unit_name}请求对账户 ${o.account} ${kind} ${formatYuan(parseFenFromDb(o.requested_fen))} 元（案件 ${o.case_no}）。请尽快处理并反馈结果。`,
        };
      case 'converted':
        return {
          title: `紧急止付转为冻结：${o.case_no}`,
          body: `${o.unit_name}将对账户 ${o.account} 的紧急止付转为冻结${frozen}，冻结期限至 ${until}（案件 ${o.case_no}）。请据此办理冻结，勿在止付到期时放行。`,
        };
      case 'renewed':
        return {
          title: `续冻：${o.case_no}`,
          body: `${o.unit_name}对账户 ${o.account} 的冻结已续冻，期限至 ${until}（案件 ${o.case_no}）。请据此办理续冻。`,
        };
      case 'released':
        return {
          title: `解除${kind}：${o.case_no}`,
          body: `${o.unit_name}解除对账户 ${o.account} 的${kind}（案件 ${o.case_no}）。请据此解除。`,
        };
    }
  }
}
