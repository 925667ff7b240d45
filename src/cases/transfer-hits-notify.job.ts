import { Injectable } from '@nestjs/common';
import type { Job } from 'bullmq';
import { parseFenFromDb } from '../common/money.js';
import { outboxEventId } from '../common/outbox/outbox-event-id.js';
import { OnJob } from '../common/queue/on-job.decorator.js';
import { NotificationsService } from '../identity/notifications/notifications.service.js';
import { HIT_TITLE, HitLine, hitNotificationBody } from './transfer-flag-rules.js';
import { HitNoticeRow, TransferFlagsRepository } from './transfer-flags.repository.js';

/** The hits of one ingested batch (ids only; the handler re-reads them). */
export interface TransferHitsNotifyJob {
  hitIds: string[];
}

declare module '../common/queue/jobs.js' {
  interface JobPayloads {
    /** Tells the officers and supervisors of the cases a batch of transfer flags hit. */
    'transfer-hits-notify': TransferHitsNotifyJob;
  }
}

function line(h: HitNoticeRow): HitLine {
  return {
    caseNo: h.case_no,
    payeeAccount: h.payee_account,
    amountFen: parseFenFromDb(h.amount_fen),
    bankName: h.bank_name,
    occurredAt: new Date(h.occurred_at),
    dissuasion:
      h.dissuasion_due_at && h.dissuasion_risk_grade
        ? { dueAt: new Date(h.dissuasion_due_at), riskGrade: h.dissuasion_risk_grade }
        : null,
  };
}

/**
 * 命中通知: tells the officer of each case a batch's flags hit, and the supervisors of the case's
 * unit (its own, or the nearest unit above it that has any). One notification per user and batch,
 * listing that user's hits; notify is idempotent per (outbox event, user), so a replay adds nothing.
 */
@Injectable()
export class TransferHitsNotifyHandler {
  constructor(
    private readonly repo: TransferFlagsRepository,
    private readonly notifications: NotificationsService,
  ) {}

  @OnJob('transfer-hits-notify', { queue: 'transfer-match' })
  async handle(payload: TransferHitsNotifyJob, job: Pick<Job, 'id'>): Promise<number> {
    const hits = await this.repo.hitsForNotice(payload.hitIds);
    if (!hits.length) return 0;
    const supervisors = await this.repo.supervisorsOf([
      ...new Set(hits.map((h) => h.case_unit_id)),
    ]);
    const byUser = new Map<string, HitNoticeRow[]>();
    for (const h of hits) {
      const users = new Set(supervisors.get(h.case_unit_id) ?? []);
      if (h.officer_id) users.add(h.officer_id);
      for (const u of users) byUser.set(u, [...(byUser.get(u) ?? []), h]);
    }
    const eventId = outboxEventId(job);
    let created = 0;
    for (const [userId, userHits] of byUser) {
      const oneCase = userHits.every((h) => h.case_id === userHits[0].case_id);
      created += await this.notifications.notify(eventId, [userId], {
        kind: 'transfer_hit',
        title: HIT_TITLE,
        body: hitNotificationBody(userHits.map(line)),
        entity: oneCase ? 'case' : 'transfer_hit',
        entityId: oneCase ? userHits[0].case_id : userHits[0].id,
      });
    }
    return created;
  }
}
