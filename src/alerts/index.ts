// The alerts feature's published surface: what the app, the worker and other features may import.
// Everything else under alerts/ is the feature's own.
export { AlertsModule } from './alerts.module.js';
// The demo city's seeders (main.ts, tests that load the demo data).
export { DemoCoordinatorsSeeder } from './coordinators/demo-coordinators.seeder.js';
export { DemoWarningsSeeder } from './warnings/demo-warnings.seeder.js';
// Job payloads, for the queue's map of job names to payloads.
export type { AlertsDeliverJob } from './deliveries/jobs/alerts-deliver.job.js';
export type { AlertsFanoutJob } from './warnings/jobs/alerts-fanout.job.js';
export type { AlertsTrendScanJob } from './trend/jobs/alerts-trend-scan.job.js';
// Entities, for the data source's entity list.
export { Coordinator } from './coordinators/entities/coordinator.entity.js';
export { Delivery } from './deliveries/entities/delivery.entity.js';
export { Warning } from './warnings/entities/warning.entity.js';
// For tests that drive the feature from outside: the trend scan's job, the channel cipher, the
// resolver of webhook hosts (a test plays a slow DNS with it).
export { AlertsTrendScanHandler } from './trend/jobs/alerts-trend-scan.job.js';
export { AlertsSecrets } from './alerts-secrets.js';
export { HostResolver } from './deliveries/host-resolver.js';
