// The cases feature's published surface: what the app-level files and other features may import.
export { CasesModule } from './cases.module.js';
export { DemoCasesSeeder } from './demo-cases.seeder.js';
