// The recoveries module's one published surface: other modules import recoveries only from here.
export { RecoveriesModule } from './recoveries.module.js';
// The views other modules' SQL reads the recoveries tables through (src/recoveries/views.ts).
export { RECOVERIES_VIEWS } from './views.js';
// Expiry reconciliation, run on demand by tests and after a queue store lost its data.
export { FreezeExpiryScheduler } from './freeze-orders/freeze-expiry.scheduler.js';
export { DemoRecoveriesSeeder } from './demo-recoveries.seeder.js';
