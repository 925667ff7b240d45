import { Injectable } from '@nestjs/common';
import type { Job } from 'bullmq';
import { OnJob } from '../../../../common/queue/on-job.decorator.js';
import { JobName } from '../../../../common/queue/queue-names.js';
import { TransferFlagFilesService } from '../transfer-flag-files.service.js';

/** One uploaded file (its id only; the handler re-reads it). */
export interface TransferFlagFileJob {
  fileId: string;
}

/** Stores one bank file's staged rows; its progress shows on /queues (rows done / total). */
@Injectable()
export class TransferFlagFileHandler {
  constructor(private readonly files: TransferFlagFilesService) {}

  @OnJob(JobName.TransferFlagFileProcess)
  async handle(
    payload: TransferFlagFileJob,
    job?: Pick<Job, 'updateProgress'>,
  ): Promise<string | null> {
    return this.files.process(payload.fileId, async (p) => {
      await job?.updateProgress(p);
    });
  }
}
