// The reports feature's published surface: what the app-level files and other features may import.
export { ReportsModule } from './reports.module.js';
