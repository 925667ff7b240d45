import { Injectable } from '@nestjs/common';
import type { Job } from 'bullmq';
import { Role } from '../common/auth/roles.js';
import { outboxEventId } from '../common/outbox/outbox-event-id.js';
import { OnJob } from '../common/queue/on-job.decorator.js';
import { ApiKeysRepository } from './api-keys.repository.js';
import { NotificationsService } from './notifications/notifications.service.js';
import { UnitsRepository } from './units.repository.js';
import { UsersRepository } from './users.repository.js';

export interface ApiKeyChangedJob {
  apiKeyId: string;
  change: 'issued' | 'revoked';
}

declare module '../common/queue/jobs.js' {
  interface JobPayloads {
    /** Tells a bank's liaisons that an API key of their bank was issued or revoked. */
    'api-key-changed': ApiKeyChangedJob;
  }
}

/** A bank's liaisons learn of every key issued for or revoked from their bank's systems. */
@Injectable()
export class ApiKeyChangedHandler {
  constructor(
    private readonly keys: ApiKeysRepository,
    private readonly units: UnitsRepository,
    private readonly notifications: NotificationsService,
    private readonly users: UsersRepository,
  ) {}

  @OnJob('api-key-changed', { queue: 'notifications' })
  async handle(payload: ApiKeyChangedJob, job: Job): Promise<number> {
    const key = await this.keys.findById(payload.apiKeyId);
    if (!key) return 0;
    const bank = await this.units.findById(key.unitId);
    if (!bank) return 0;
    const liaisons = await this.users.activeInSubtree(bank.path, [Role.BankLiaison]);
    const issued = payload.change === 'issued';
    return this.notifications.notify(outboxEventId(job), liaisons, {
      kind: `api_key.${payload.change}`,
      title: issued ? '银行系统接口密钥已签发' : '银行系统接口密钥已吊销',
      body: issued
        ? `已为${bank.name}签发接口密钥「${key.name}」（${key.keyPrefix}…）。如非本行申请，请立即联系反诈中心。`
        : `${bank.name}的接口密钥「${key.name}」（${key.keyPrefix}…）已吊销，使用该密钥的系统将无法再报送可疑交易。`,
      entity: 'api_key',
      entityId: key.id,
    });
  }
}
