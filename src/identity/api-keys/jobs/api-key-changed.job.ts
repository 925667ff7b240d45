import { Injectable } from '@nestjs/common';
import type { Job } from 'bullmq';
import { outboxEventId } from '../../../common/outbox/outbox-event-id.js';
import { OnJob } from '../../../common/queue/on-job.decorator.js';
import { ApiKeysService } from '../api-keys.service.js';

export interface ApiKeyChangedJob {
  apiKeyId: string;
  change: 'issued' | 'revoked';
}

declare module '../../../common/queue/jobs.js' {
  interface JobPayloads {
    /** Tells a bank's liaisons that an API key of their bank was issued or revoked. */
    'api-key-changed': ApiKeyChangedJob;
  }
}

/** The job of one key's issue or revocation: its bank's liaisons are told (ApiKeysService). */
@Injectable()
export class ApiKeyChangedHandler {
  constructor(private readonly apiKeys: ApiKeysService) {}

  @OnJob('api-key-changed', { queue: 'notifications' })
  handle(payload: ApiKeyChangedJob, job: Job): Promise<number> {
    return this.apiKeys.announceChange(payload.apiKeyId, payload.change, outboxEventId(job));
  }
}
