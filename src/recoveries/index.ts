// The recoveries module's one published surface: other modules import recoveries only from here.
export { RecoveriesModule } from './recoveries.module.js';
// Expiry reconciliation, run on demand by tests and after a queue store lost its data.
export { FreezeExpiryScheduler } from './freeze-orders/freeze-expiry.scheduler.js';
export { DemoRecoveriesSeeder } from './demo-recoveries.seeder.js';
