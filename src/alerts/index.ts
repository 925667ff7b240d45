// The alerts feature's published surface: what the app-level files and other features may import.
export { AlertsModule } from './alerts.module.js';
export { DemoCoordinatorsSeeder } from './demo-coordinators.seeder.js';
export { DemoWarningsSeeder } from './demo-warnings.seeder.js';
