import { Injectable } from '@nestjs/common';
import type { Job } from 'bullmq';
import { parseFenFromDb } from '../common/money.js';
import { outboxEventId } from '../common/outbox/outbox-event-id.js';
import { OnJob } from '../common/queue/on-job.decorator.js';
import { NotificationsService } from '../identity/notifications/notifications.service.js';
import { ESCALATION_TITLE, escalationBody } from './transfer-flag-rules.js';
import { OverdueRow, TransferFlagsRepository } from './transfer-flags.repository.js';

/** The dissuasion tasks one batch opened; enqueued through the outbox, delayed by their due time. */
export interface DissuasionSlaJob {
  dissuasionIds: string[];
}

declare module '../common/queue/jobs.js' {
  interface JobPayloads {
    /** Delayed by the 30-minute due time: escalates the batch's tasks still not contacted. */
    'dissuasion-sla-check': DissuasionSlaJob;
  }
}

/**
 * 超时升级: when a batch's tasks fall due, those still open and never contacted are escalated to
 * the supervisors of their assigned unit (or of the nearest unit above that has any). Tasks
 * already contacted or closed are left alone; notify is idempotent per (outbox event, user) and
 * escalated_at is set once, so a replay changes nothing.
 */
@Injectable()
export class DissuasionSlaHandler {
  constructor(
    private readonly repo: TransferFlagsRepository,
    private readonly notifications: NotificationsService,
  ) {}

  @OnJob('dissuasion-sla-check', { queue: 'dissuasion-sla' })
  async handle(payload: DissuasionSlaJob, job: Pick<Job, 'id'>): Promise<number> {
    const overdue = await this.repo.overdue(payload.dissuasionIds);
    if (!overdue.length) return 0;
    const supervisors = await this.repo.supervisorsOf([...new Set(overdue.map((d) => d.unit_id))]);
    const byUser = new Map<string, OverdueRow[]>();
    for (const d of overdue) {
      for (const u of supervisors.get(d.unit_id) ?? [])
        byUser.set(u, [...(byUser.get(u) ?? []), d]);
    }
    const eventId = outboxEventId(job);
    let created = 0;
    for (const [userId, tasks] of byUser) {
      created += await this.notifications.notify(eventId, [userId], {
        kind: 'dissuasion_overdue',
        title: ESCALATION_TITLE,
        body: escalationBody(
          tasks.map((t) => ({
            payerAccount: t.payer_account,
            payeeAccount: t.payee_account,
            amountFen: parseFenFromDb(t.amount_fen),
            bankName: t.bank_name,
            riskGrade: t.risk_grade,
            dueAt: new Date(t.due_at),
          })),
        ),
        entity: 'dissuasion',
        entityId: tasks[0].id,
      });
    }
    await this.repo.markEscalated(
      overdue.filter((d) => supervisors.has(d.unit_id)).map((d) => d.id),
    );
    return created;
  }
}
