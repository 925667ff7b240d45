import { Injectable } from '@nestjs/common';
import type { Job } from 'bullmq';
import { outboxEventId } from '../../../common/outbox/outbox-event-id.js';
import { OnJob } from '../../../common/queue/on-job.decorator.js';
import { JobName } from '../../../common/queue/queue-names.js';
import { ApiKeysService } from '../api-keys.service.js';

export interface ApiKeyChangedJob {
  apiKeyId: string;
  change: 'issued' | 'revoked';
}

/** The job of one key's issue or revocation: its bank's liaisons are told (ApiKeysService). */
@Injectable()
export class ApiKeyChangedHandler {
  constructor(private readonly apiKeys: ApiKeysService) {}

  @OnJob(JobName.ApiKeyChanged)
  handle(payload: ApiKeyChangedJob, job: Job): Promise<number> {
    return this.apiKeys.announceChange(payload.apiKeyId, payload.change, outboxEventId(job));
  }
}
