// The identity feature's published surface: what the app-level files and other features may import.
export { IdentityModule } from './identity.module.js';
export { SeedService } from './seed.service.js';
