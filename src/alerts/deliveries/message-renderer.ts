import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Clock } from '../../common/clock.js';
import { APP_CONFIG, AppConfig } from '../../common/config/config.js';
import { AlertsLookups } from '../lookups.repository.js';
import { WarningsRepository } from '../warnings/warnings.repository.js';
import { AlertsSecrets } from '../alerts-secrets.js';
import type { Warning } from '../warnings/entities/warning.entity.js';
import {
  renderWarningMarkdown,
  renderWarningText,
  renderWithdrawalMarkdown,
  renderWithdrawalText,
  signAckToken,
  stripBidiControls,
} from './message.js';

const FACTS_TTL_MS = 10 * 60_000;
const FACTS_MAX = 1000;

interface WarningFacts {
  title: string;
  body: string;
  severity: Warning['severity'];
  unitName: string;
  fraudTypeZh: string;
  typicalScript: string;
  withdrawReason: Warning['withdrawReason'];
}

/** Builds the message of one delivery from its warning (pure rendering lives in message.ts). */
@Injectable()
export class MessageRenderer {
  private readonly facts = new Map<string, { facts: WarningFacts; expiresAt: number }>();

  constructor(
    private readonly warnings: WarningsRepository,
    private readonly lookups: AlertsLookups,
    private readonly secrets: AlertsSecrets,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * The links of a message: both open the delivery's page for phones (/m/deliveries/:id), which
   * shows the whole warning and acknowledges only when its button is pressed (a POST), so a link
   * preview or crawler fetching the link acknowledges nothing.
   */
  ackUrl(deliveryId: string): { ackUrl: string; fullTextUrl: string } {
    const exp = Math.floor(this.clock.nowMs() / 1000) + this.config.alerts.ackTokenTtlSeconds;
    const token = encodeURIComponent(signAckToken(this.secrets.ackKey, deliveryId, exp));
    const page = `${this.config.alerts.publicBaseUrl}/m/deliveries/${deliveryId}?token=${token}`;
    return { ackUrl: page, fullTextUrl: page };
  }

  async render(
    deliveryId: string,
    warningId: string,
    kind: 'warning' | 'withdrawal',
    em?: EntityManager,
  ): Promise<{ title: string; markdown: string; text: string; ackUrl: string | null }> {
    const f = await this.factsOf(warningId, kind, em);
    if (kind === 'withdrawal') {
      const notice = { title: f.title, unitName: f.unitName, reason: f.withdrawReason };
      return {
        title: f.title,
        markdown: renderWithdrawalMarkdown(notice),
        text: renderWithdrawalText(notice),
        ackUrl: null,
      };
    }
    const message = {
      title: f.title,
      body: f.body,
      fraudTypeZh: f.fraudTypeZh,
      typicalScript: f.typicalScript,
      severity: f.severity,
      unitName: f.unitName,
      ...this.ackUrl(deliveryId),
    };
    return {
      title: f.title,
      ackUrl: message.ackUrl,
      markdown: renderWarningMarkdown(message),
      text: renderWarningText(message),
    };
  }

  /**
   * What every message of a warning shares, read once per warning and kind and then kept: a
   * warning's text never changes once created (there is no edit), and a withdrawal's reason is set
   * before its first withdrawal notice exists. Saves three queries per delivery in a fan-out.
   */
  private async factsOf(
    warningId: string,
    kind: 'warning' | 'withdrawal',
    em?: EntityManager,
  ): Promise<WarningFacts> {
    const key = `${warningId}:${kind}`;
    const hit = this.facts.get(key);
    if (hit && hit.expiresAt > Date.now()) return hit.facts;
    const w = await this.warnings.findWarning(warningId, em);
    if (!w) throw new Error(`warning ${warningId} is gone`);
    const unit = await this.lookups.unitOf(w.unitId, em);
    const ft = kind === 'warning' ? await this.lookups.fraudType(w.fraudType, em) : null;
    // Every message of every channel is built from these: the text leaves here without
    // bidirectional controls.
    const out = stripBidiControls;
    const facts: WarningFacts = {
      title: out(w.title),
      body: out(w.body),
      severity: w.severity,
      unitName: out(unit?.name ?? ''),
      fraudTypeZh: out(ft?.label_zh ?? w.fraudType),
      typicalScript: out(ft?.typical_script ?? ''),
      withdrawReason: w.withdrawReason === null ? null : out(w.withdrawReason),
    };
    if (this.facts.size >= FACTS_MAX) this.facts.clear();
    this.facts.set(key, { facts, expiresAt: Date.now() + FACTS_TTL_MS });
    return facts;
  }
}
