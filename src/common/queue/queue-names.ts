import type { AlertsDeliverJob } from '../../alerts/deliveries/jobs/alerts-deliver.job.js';
import type { AlertsFanoutJob } from '../../alerts/warnings/jobs/alerts-fanout.job.js';
import type { AlertsTrendScanJob } from '../../alerts/trend/jobs/alerts-trend-scan.job.js';
import type { DissuasionSlaJob } from '../../cases/dissuasions/jobs/dissuasion-sla.job.js';
import type { TransferHitsNotifyJob } from '../../cases/transfer-flags/jobs/transfer-hits-notify.job.js';
import type { FreezeOrderNotifyJob } from '../../recoveries/freeze-orders/jobs/freeze-order-notify.job.js';
import type { ApiKeyChangedJob } from '../../identity/api-keys/jobs/api-key-changed.job.js';
import type { FreezeExpiryJob } from '../../recoveries/freeze-orders/jobs/freeze-expiry.job.js';
import type { TransferFlagFileJob } from '../../cases/transfer-flags/files/jobs/transfer-flag-file.job.js';

/** BullMQ queues. Later features add theirs here (see docs/ARCHITECTURE.md, Jobs). */
export enum QueueName {
  Notifications = 'notifications',
  /** Hits of new transfer flags on cases: tells the officers (docs/ARCHITECTURE.md, Jobs). */
  TransferMatch = 'transfer-match',
  /** A bank's daily file of flags, staged by its upload: validated, deduplicated, stored, matched. */
  TransferFlagFiles = 'transfer-flag-files',
  /** Escalates dissuasion tasks not contacted within their due time. */
  DissuasionSla = 'dissuasion-sla',
  /** Reminds officers before stop-payment and freeze orders expire, and marks them expired. */
  FreezeExpiry = 'freeze-expiry',
  /** Expands a published warning into one delivery per coordinator of its target areas. */
  AlertsFanout = 'alerts-fanout',
  /** Sends one delivery through its channel (WeCom robot, signed webhook). */
  AlertsDeliver = 'alerts-deliver',
  /** Looks for spikes of one fraud type in a station's area and drafts warnings for them. */
  AlertsTrendScan = 'alerts-trend-scan',
}

/** Job names; every one must have exactly one @OnJob handler (checked at start). */
export enum JobName {
  /** Tells a bank's liaisons that an API key of their bank was issued or revoked. */
  ApiKeyChanged = 'api-key-changed',
  /** Tells a bank's liaisons of a new stop-payment or freeze order, and the officer of the answer. */
  FreezeOrderNotify = 'freeze-order-notify',
  /** Tells the officers and supervisors of the cases a batch of transfer flags hit. */
  TransferHitsNotify = 'transfer-hits-notify',
  /** Processes one uploaded file of flags from its staging rows, chunk by chunk, resumable. */
  TransferFlagFileProcess = 'transfer-flag-file-process',
  /** Delayed by the 30-minute due time: escalates the batch's tasks still not contacted. */
  DissuasionSlaCheck = 'dissuasion-sla-check',
  /** Delayed to an order's next reminder or expiry; stale generations and early runs do nothing harmful. */
  FreezeExpiryCheck = 'freeze-expiry-check',
  /** A warning was published (or falls due): create and enqueue its deliveries. */
  AlertsFanout = 'alerts-fanout',
  /** Sends one delivery row; the row's claim makes it go out once. */
  AlertsDeliver = 'alerts-deliver',
  /** Enqueued periodically (TREND_SCAN_INTERVAL_MS): one trend scan; drafts, never publishes. */
  AlertsTrendScan = 'alerts-trend-scan',
}

/** The payload type of each job: ids and small facts only; handlers re-read rows. */
export interface JobPayloads {
  [JobName.ApiKeyChanged]: ApiKeyChangedJob;
  [JobName.FreezeOrderNotify]: FreezeOrderNotifyJob;
  [JobName.TransferHitsNotify]: TransferHitsNotifyJob;
  [JobName.TransferFlagFileProcess]: TransferFlagFileJob;
  [JobName.DissuasionSlaCheck]: DissuasionSlaJob;
  [JobName.FreezeExpiryCheck]: FreezeExpiryJob;
  [JobName.AlertsFanout]: AlertsFanoutJob;
  [JobName.AlertsDeliver]: AlertsDeliverJob;
  [JobName.AlertsTrendScan]: AlertsTrendScanJob;
}

/** Which queue carries each job. */
export const JOB_QUEUE: Record<JobName, QueueName> = {
  [JobName.ApiKeyChanged]: QueueName.Notifications,
  [JobName.FreezeOrderNotify]: QueueName.Notifications,
  [JobName.TransferHitsNotify]: QueueName.TransferMatch,
  [JobName.TransferFlagFileProcess]: QueueName.TransferFlagFiles,
  [JobName.DissuasionSlaCheck]: QueueName.DissuasionSla,
  [JobName.FreezeExpiryCheck]: QueueName.FreezeExpiry,
  [JobName.AlertsFanout]: QueueName.AlertsFanout,
  [JobName.AlertsDeliver]: QueueName.AlertsDeliver,
  [JobName.AlertsTrendScan]: QueueName.AlertsTrendScan,
};
