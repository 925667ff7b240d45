import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Clock } from '../../common/clock.js';
import { APP_CONFIG, AppConfig } from '../../common/config/config.js';
import { OutboxService } from '../../common/outbox/outbox.service.js';
import { Permits } from '../../common/permits.js';
import { AlertsSecrets } from '../alerts-secrets.js';
import { CoordinatorsRepository } from '../coordinators/coordinators.repository.js';
import { WarningsRepository } from '../warnings/warnings.repository.js';
import { backoffMs, SendOutcome, sendWebhook, sendWecom } from './channels.js';
import { ClaimedWork, DeliveriesRepository, DeliveryWork } from './deliveries.repository.js';
import { DeliveriesService } from './deliveries.service.js';
import { MessageRenderer } from './message-renderer.js';
import { OutboundPolicy, outboundPolicy } from './url-policy.js';

/** Not now: the delivery goes back to the queue until `retryAt` (ms since the epoch). */
export interface DeliverLater {
  retryAt: number;
  reason: string;
}

export type DeliverResult = 'sent' | 'skipped' | 'cancelled' | 'failed' | DeliverLater;

/** What became of a chunk's rows; `later`: gone back to the queue, each as a job at its time. */
export type DeliverManyResult = Record<
  'sent' | 'skipped' | 'cancelled' | 'failed' | 'later',
  number
>;

/**
 * Rows of a chunk claimed together, in one statement. Small enough that a slice's sends end close
 * together (the next slice waits for the slowest), large enough that a claim serves many sends.
 */
export const CLAIM_SLICE = 16;

/**
 * Sends one delivery. The row makes it once: the handler claims it (queued → sending) in one
 * UPDATE, so a second job for the same row (a replay, the sweeper) finds nothing to claim. On the
 * happy path that is two statements around the send: read + reserve + claim
 * (`DeliveriesRepository.claimWork`), then mark sent under a share lock on the warning
 * (`markSentIfPublished`).
 *
 * At-least-once edge, honestly: if the process dies after the robot accepted the message and
 * before the row is marked sent, the row stays 'sending'; after `staleClaimMs` it is claimed again
 * and the message is sent a second time. WeCom robots take no idempotency key, so that window
 * (milliseconds between the robot's answer and our UPDATE) cannot be closed from our side; the
 * signed webhook carries `X-Jingwang-Delivery` so a receiver can drop the repeat. A database that
 * is briefly unreachable at that moment is not that edge: the mark is retried while the claim is
 * still ours (recordSent).
 *
 * Budgets: a WeCom robot takes 20 messages a minute. Before each send the claim reserves one in
 * the robot's sliding log (shared by every worker through PostgreSQL); with none left the row goes
 * back to the queue until the oldest send leaves the window — no attempt counted. A 45009 answer
 * (over the limit anyway) is handled the same way.
 *
 * Throughput: a fan-out's rows travel in chunks, one job each (`deliverMany`), so BullMQ's cost per
 * job is paid once per chunk, not once per delivery; the rules per row are the same as for one.
 * Rows claimed and not yet recorded per process are capped by `Permits` (ALERTS_SENDS_IN_FLIGHT),
 * whatever the number of jobs it runs (ALERTS_DELIVER_CONCURRENCY). A permit is held through the
 * claim statement, the send and the mark statement, so the cap divided by that time is the
 * process's rate: at 32 (when it was the jobs' concurrency too) a loaded machine's slow round trips
 * held a process near 100 deliveries/s with the database and the CPU half idle (PERFORMANCE.md).
 */
@Injectable()
export class DeliverySender {
  private readonly logger = new Logger('AlertsDeliver');
  private readonly policy: OutboundPolicy;
  private readonly slots: Permits;

  constructor(
    private readonly repo: DeliveriesRepository,
    private readonly warnings: WarningsRepository,
    private readonly coordinators: CoordinatorsRepository,
    private readonly deliveries: DeliveriesService,
    private readonly renderer: MessageRenderer,
    private readonly secrets: AlertsSecrets,
    private readonly clock: Clock,
    private readonly outbox: OutboxService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectDataSource() private readonly ds: DataSource,
  ) {
    this.policy = outboundPolicy(config);
    this.slots = new Permits(config.alerts.sendsInFlight);
  }

  /** Sends one delivery if it is still to be sent; a retry later is answered as `{ retryAt }`. */
  async deliver(deliveryId: string): Promise<DeliverResult> {
    const cfg = this.config.alerts;
    // One statement reads the row, reserves the robot's budget and claims the row (queued →
    // sending); the branches below only run when it did not claim.
    await this.slots.take(1);
    try {
      const d = await this.repo.claimWork(deliveryId, cfg.staleClaimMs, cfg.robotRateLimit);
      if (!d || d.channel === 'manual') return 'skipped';
      if (!d.claimed_now) return await this.notClaimed(d);
      return await this.sendClaimed(d);
    } finally {
      this.slots.give(1);
    }
  }

  /**
   * Sends a chunk of deliveries: claimed a slice at a time, each slice in one statement
   * (`claimSlice`: the same read, budget reservation and claim as for one row), each claimed row
   * sent and recorded on its own as soon as its channel answers (marks answered together share a
   * statement, `markSentIfPublished`). A later row of a robot already in the slice is claimed in a
   * later slice. Rows to try later go back to the queue each as a job of its own, delayed to its
   * time (few: errors, spent budgets). `stillOurs` is asked before each slice: a job its queue store
   * lost, or another worker took over, stops and leaves the rest queued for the job's next run or
   * the sweeper.
   */
  async deliverMany(ids: string[], stillOurs: () => Promise<boolean>): Promise<DeliverManyResult> {
    const cfg = this.config.alerts;
    const tally: DeliverManyResult = { sent: 0, skipped: 0, cancelled: 0, failed: 0, later: 0 };
    const later: (DeliverLater & { id: string })[] = [];
    const pending = [...new Set(ids)];
    let failure: { err: unknown } | undefined;
    try {
      while (pending.length && !failure) {
        if (!(await stillOurs()))
          throw new Error('The job is no longer ours; its other rows are left to whoever has it');
        const slice = pending.splice(0, Math.min(CLAIM_SLICE, this.slots.size));
        await this.slots.take(slice.length);
        let rows: (ClaimedWork & { crowded: boolean })[];
        try {
          rows = await this.repo.claimSlice(slice, cfg.staleClaimMs, cfg.robotRateLimit);
        } catch (err) {
          this.slots.give(slice.length);
          throw err;
        }
        const claimed = rows.filter((r) => r.claimed_now);
        this.slots.give(slice.length - claimed.length);
        tally.skipped += slice.length - rows.length; // neither queued nor being sent, or gone
        pending.push(...rows.filter((r) => r.crowded).map((r) => r.id));
        const mine = rows.filter((r) => !r.crowded);
        const outcomes = await Promise.allSettled(
          mine.map(async (d): Promise<DeliverResult> => {
            if (d.claimed_now) {
              try {
                return await this.sendClaimed(d);
              } finally {
                this.slots.give(1);
              }
            }
            return d.channel === 'manual' ? 'skipped' : this.notClaimed(d);
          }),
        );
        for (let i = 0; i < mine.length; i++) {
          const o = outcomes[i];
          if (o.status === 'rejected') failure ??= { err: o.reason };
          else if (typeof o.value === 'object') {
            tally.later++;
            later.push({ ...o.value, id: mine[i].id });
          } else tally[o.value]++;
        }
      }
    } finally {
      if (later.length)
        await this.ds.transaction(async (em) => {
          for (const l of later)
            await this.outbox.add(
              em,
              'alerts-deliver',
              { deliveryId: l.id },
              Math.max(0, l.retryAt - Date.now()),
            );
        });
    }
    if (failure) throw failure.err;
    return tally;
  }

  /** A row this worker has just claimed: its send and what follows from the answer. */
  private async sendClaimed(d: ClaimedWork): Promise<DeliverResult> {
    // Measured here, on our clock: how long our claim is ours before another worker may take it.
    const claimExpiresMs = Date.now() + this.config.alerts.staleClaimMs;
    const outcome = await this.send(d);
    if (outcome.kind === 'sent') return this.recordSent(d, claimExpiresMs);
    return this.record(d, outcome);
  }

  /** Why `claimWork` did not claim the row, from the same read, and what follows from it. */
  private async notClaimed(d: ClaimedWork): Promise<DeliverResult> {
    const cfg = this.config.alerts;
    if (d.status === 'sending' && !d.stale) {
      // Another worker is on it (or died moments ago): look again when its claim would be stale.
      const claimedAt = d.claimed_at ? new Date(d.claimed_at).getTime() : Date.now();
      return {
        retryAt: Math.max(Date.now() + 50, claimedAt + cfg.staleClaimMs + 50),
        reason: 'claimed elsewhere',
      };
    }
    if (d.status !== 'queued' && d.status !== 'sending') return 'skipped';
    if (d.kind === 'warning' && d.warning_status !== 'published') {
      await this.repo.cancel(d.id, 'warning withdrawn');
      return 'cancelled';
    }
    if (!d.enabled) {
      await this.repo.cancel(d.id, 'coordinator disabled');
      return 'cancelled';
    }
    if (d.channel_broken_at) {
      await this.repo.markFailed(d.id, 'channel flagged broken; fix the coordinator’s channel');
      return 'failed';
    }
    if (d.channel === 'wecom_bot' && d.robot_key_hash && !d.reserved) {
      const waitMs = await this.repo.robotBudgetWaitMs(
        d.robot_key_hash,
        cfg.robotRateLimit.max,
        cfg.robotRateLimit.windowMs,
      );
      await this.repo.postpone(d.id, waitMs);
      return { retryAt: Date.now() + waitMs, reason: 'robot budget spent' };
    }
    return 'skipped'; // another worker claimed it between the read and the claim
  }

  /**
   * The robot took the message: that must reach the row. A database blip right now (a restart, a
   * failover, a cut connection) would otherwise leave the row 'sending', and the takeover after
   * `staleClaimMs` would send it a second time; so the mark is retried while the claim is still
   * ours (with a margin), and only given up when it could no longer be told apart from a dead
   * worker's.
   */
  private async recordSent(d: DeliveryWork, claimExpiresMs: number): Promise<DeliverResult> {
    const marginMs = Math.min(1000, Math.floor(this.config.alerts.staleClaimMs / 4));
    for (let wait = 100; ; wait = Math.min(wait * 2, 1000)) {
      try {
        return await this.record(d, { kind: 'sent' });
      } catch (err) {
        if (Date.now() + wait >= claimExpiresMs - marginMs) throw err;
        this.logger.warn(
          { deliveryId: d.id, err: (err as Error).message },
          'Sent, but not yet recorded; retrying',
        );
        await new Promise((r) => setTimeout(r, wait));
      }
    }
  }

  private async send(d: DeliveryWork): Promise<SendOutcome> {
    const cfg = this.config.alerts;
    try {
      const message = await this.renderer.render(d.id, d.warning_id, d.kind);
      const url = this.secrets.cipher.decrypt(d.webhook_url_enc ?? '');
      if (d.channel === 'wecom_bot')
        return await sendWecom(url, message.markdown, cfg.sendTimeoutMs, this.policy);
      const secret = this.secrets.cipher.decrypt(d.webhook_secret_enc ?? '');
      return await sendWebhook(
        url,
        secret,
        {
          deliveryId: d.id,
          warningId: d.warning_id,
          kind: d.kind,
          title: message.title,
          markdown: message.markdown,
          ackUrl: message.ackUrl,
        },
        this.clock.nowMs(),
        cfg.sendTimeoutMs,
        this.policy,
      );
    } catch (err) {
      // Rendering or decrypting failed: ours to look into, not the user's to read.
      this.logger.error({ deliveryId: d.id, err: (err as Error).message }, 'Send not attempted');
      return { kind: 'error', error: 'internal error' };
    }
  }

  private async record(d: DeliveryWork, outcome: SendOutcome): Promise<DeliverResult> {
    const cfg = this.config.alerts;
    const attempts = d.attempts + 1;
    switch (outcome.kind) {
      case 'sent':
        // Usually one statement (share lock on the warning inside it); when the warning is no
        // longer published, the transaction below marks the row and adds the withdrawal notice.
        if (await this.repo.markSentIfPublished(d.id, d.warning_id)) return 'sent';
        await this.ds.transaction(async (em) => {
          // Share lock on the warning: a withdraw running now either committed before (we see it
          // and send the notice) or waits for us (and then sees this row as sent).
          const w = await this.warnings.findWarning(d.warning_id, em, 'share');
          await this.repo.markSent(em, d.id);
          if (d.kind === 'warning' && w?.status === 'withdrawn') {
            const notices = await this.repo.insertWithdrawals(em, d.warning_id, d.id);
            await this.deliveries.enqueue(em, notices);
          }
        });
        return 'sent';
      case 'rate_limited': {
        const waitMs = Math.max(1000, Math.floor(cfg.robotRateLimit.windowMs / 4));
        await this.repo.requeue(d.id, outcome.error, waitMs, false);
        return { retryAt: Date.now() + waitMs, reason: 'robot answered 45009' };
      }
      case 'broken':
        await this.repo.markFailed(d.id, outcome.error);
        await this.coordinators.flagChannelBroken(d.coordinator_id, outcome.error);
        this.logger.warn({ deliveryId: d.id, coordinatorId: d.coordinator_id }, 'Channel broken');
        return 'failed';
      case 'error': {
        if (outcome.code)
          this.logger.debug({ deliveryId: d.id, code: outcome.code }, 'Send failed');
        if (attempts >= cfg.maxAttempts) {
          await this.repo.markFailed(d.id, outcome.error);
          return 'failed';
        }
        const waitMs = backoffMs(cfg.backoffMs, attempts);
        await this.repo.requeue(d.id, outcome.error, waitMs, true);
        return { retryAt: Date.now() + waitMs, reason: 'retry after error' };
      }
    }
  }
}
