import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ACTOR_RESOLVER, ActorResolver } from '../common/auth/actor-resolver.js';
import { Clock } from '../common/clock.js';
import { CASES_VIEWS } from '../cases/index.js';
import { IDENTITY_VIEWS, readSeed, runDemoSeedOnce } from '../identity/index.js';
import { CeremoniesService } from './ceremonies/ceremonies.service.js';
import {
  AnswerFreezeOrderDto,
  CreateFreezeOrderDto,
} from './freeze-orders/dto/freeze-order.dto.js';
import { FreezeOrdersService } from './freeze-orders/freeze-orders.service.js';
import { RecoveriesService } from './recoveries/recoveries.service.js';

interface DemoRecoveriesFile {
  name: string;
  /** The liaison of the bank that answers the orders. */
  liaison: string;
  orders: {
    officer: string;
    kind: CreateFreezeOrderDto['kind'];
    /** The demo case of this fraud type naming this bank card. */
    case: { fraudType: string; account: string };
    bank: string;
    requestedFen: number;
    /** Who answers this order, when not `liaison` (another bank's). */
    liaison?: string;
    answer: AnswerFreezeOrderDto['answer'];
    frozenFen?: number;
    /** A freeze shown months into its term: it lapses this many days from now. */
    expiresInDays?: number;
    recovery?: {
      amountFen: number;
      legalBasis: string;
      ceremony?: { title: string; venue: string };
    };
  }[];
}

const DAY_MS = 24 * 60 * 60 * 1000;
/** A calendar day in China (UTC+8), `days` from `at`. */
const chinaDay = (at: Date, days: number) =>
  new Date(at.getTime() + 8 * 60 * 60 * 1000 + days * DAY_MS).toISOString().slice(0, 10);

/**
 * The recovery chain of the demo (seeds/demo-recoveries.json): stop-payment and freeze orders the
 * bank answers, money recovered from the freeze, its allocation confirmed, and a returned-money
 * ceremony a week ahead with the allocation on it. Through the services, once.
 */
@Injectable()
export class DemoRecoveriesSeeder {
  constructor(
    private readonly orders: FreezeOrdersService,
    private readonly recoveries: RecoveriesService,
    private readonly ceremonies: CeremoniesService,
    private readonly clock: Clock,
    @Inject(ACTOR_RESOLVER) private readonly actors: ActorResolver,
    @InjectDataSource() private readonly ds: DataSource,
  ) {}

  async load(file = 'demo-recoveries.json'): Promise<boolean> {
    const seed = readSeed<DemoRecoveriesFile>(file);
    return runDemoSeedOnce(this.ds, this.actors, seed, async (as) => {
      for (const o of seed.orders) {
        const [target]: { case_id: string; identifier_id: string }[] = await this.ds.query(
          `SELECT ci.case_id, ci.identifier_id FROM ${CASES_VIEWS.caseIdentifiers} ci
             JOIN ${CASES_VIEWS.identifiers} i ON i.id = ci.identifier_id
             JOIN ${CASES_VIEWS.caseFacts} c ON c.id = ci.case_id
            WHERE i.kind = 'bank_card' AND i.value = $1 AND c.fraud_type = $2
            ORDER BY c.reported_at DESC LIMIT 1`,
          [o.case.account, o.case.fraudType],
        );
        const [bank]: { id: string }[] = await this.ds.query(
          `SELECT id FROM ${IDENTITY_VIEWS.units} WHERE code = $1`,
          [o.bank],
        );
        if (!target || !bank) throw new Error(`Demo order: no case or bank for ${o.case.account}`);
        const order = await as(o.officer, (actor) =>
          this.orders.create(actor, {
            kind: o.kind,
            caseId: target.case_id,
            identifierId: target.identifier_id,
            bankUnitId: bank.id,
            requestedFen: o.requestedFen,
          }),
        );
        await as(o.liaison ?? seed.liaison, (actor) =>
          this.orders.answer(actor, order.id, { answer: o.answer, frozenFen: o.frozenFen }),
        );
        if (o.expiresInDays !== undefined) await this.ageOrder(order.id, o.expiresInDays);
        const r = o.recovery;
        if (!r) continue;
        await as(o.officer, async (actor) => {
          const now = this.clock.now();
          const recovery = await this.recoveries.create(actor, {
            orderId: order.id,
            amountFen: r.amountFen,
            recoveredOn: chinaDay(now, 0),
            legalBasis: r.legalBasis,
          });
          const allocation = await this.recoveries.allocate(actor, recovery.id, true);
          if (!r.ceremony) return;
          const ceremony = await this.ceremonies.create(actor, {
            title: r.ceremony.title,
            venue: r.ceremony.venue,
            heldOn: chinaDay(now, 7),
          });
          await this.ceremonies.attach(actor, ceremony.id, {
            allocationIds: (allocation.allocations ?? []).map((a) => a.id),
          });
        });
      }
    });
  }

  /**
   * Demo only: dates an order made just now as if it had been made months ago, so that it lapses
   * `days` from now (the services date everything by the clock). Its reminder, now due, goes out at
   * the next expiry sweep, as it would have for a real order.
   */
  private async ageOrder(orderId: string, days: number): Promise<void> {
    await this.ds.query(
      `WITH shift AS (
         SELECT expires_at - ($2::timestamptz + make_interval(days => $3)) AS by
           FROM freeze_orders WHERE id = $1
       ), o AS (
         UPDATE freeze_orders f
            SET requested_at = requested_at - shift.by, answered_at = answered_at - shift.by,
                expires_at = expires_at - shift.by, remind_at = remind_at - shift.by
           FROM shift WHERE f.id = $1
       )
       UPDATE freeze_order_events e SET occurred_at = occurred_at - shift.by
         FROM shift WHERE e.order_id = $1`,
      [orderId, this.clock.now(), days],
    );
  }
}
