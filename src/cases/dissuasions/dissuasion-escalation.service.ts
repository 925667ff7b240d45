import { Injectable } from '@nestjs/common';
import { parseFenFromDb } from '../../common/money.js';
import { NotificationsService } from '../../identity/index.js';
import { ESCALATION_TITLE, escalationBody } from '../transfer-flags/transfer-flag-rules.js';
import { TransferFlagsRepository } from '../transfer-flags/transfer-flags.repository.js';
import { DissuasionsRepository, OverdueRow } from './dissuasions.repository.js';

/**
 * 超时升级: when a batch's tasks fall due, those still open and never contacted are escalated to
 * the supervisors of their assigned unit (or of the nearest unit above that has any). Tasks
 * already contacted or closed are left alone; notify is idempotent per (outbox event, user) and
 * escalated_at is set once, so a replay changes nothing.
 */
@Injectable()
export class DissuasionEscalationService {
  constructor(
    private readonly repo: DissuasionsRepository,
    private readonly flags: TransferFlagsRepository,
    private readonly notifications: NotificationsService,
  ) {}

  /** Escalates the overdue ones of the given tasks; answers the notifications created. */
  async escalateOverdue(dissuasionIds: string[], eventId: string): Promise<number> {
    const overdue = await this.repo.overdue(dissuasionIds);
    if (!overdue.length) return 0;
    const supervisors = await this.flags.supervisorsOf([...new Set(overdue.map((d) => d.unit_id))]);
    const byUser = new Map<string, OverdueRow[]>();
    for (const d of overdue) {
      for (const u of supervisors.get(d.unit_id) ?? [])
        byUser.set(u, [...(byUser.get(u) ?? []), d]);
    }
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
