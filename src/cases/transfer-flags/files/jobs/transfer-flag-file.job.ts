import { Injectable } from '@nestjs/common';
import type { Job } from 'bullmq';
import { OnJob } from '../../../../common/queue/on-job.decorator.js';
import { TransferFlagFilesService } from '../transfer-flag-files.service.js';

/** One uploaded file (its id only; the handler re-reads it). */
export interface TransferFlagFileJob {
  fileId: string;
}

declare module '../../../../common/queue/jobs.js' {
  interface JobPayloads {
    /** Stores a bank's uploaded flag file in chunks, with its progress. */
    'transfer-flag-file-process': TransferFlagFileJob;
  }
}

/** Stores one bank file's staged rows; its progress shows on /queues (rows done / total). */
@Injectable()
export class TransferFlagFileHandler {
  constructor(private readonly files: TransferFlagFilesService) {}

  @OnJob('transfer-flag-file-process', {
    queue: 'transfer-flag-files',
    // Each file is a long run of heavy statements: more at once only slow each other down.
    concurrency: () => 2,
  })
  async handle(
    payload: TransferFlagFileJob,
    job?: Pick<Job, 'updateProgress'>,
  ): Promise<string | null> {
    return this.files.process(payload.fileId, async (p) => {
      await job?.updateProgress(p);
    });
  }
}
