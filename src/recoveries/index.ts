// The recoveries feature's published surface: what the app-level files and other features may import.
export { RecoveriesModule } from './recoveries.module.js';
export { DemoRecoveriesSeeder } from './demo-recoveries.seeder.js';
