// The identity feature's published surface: what other features may import.
export { IdentityModule } from './identity.module.js';
export { readSeed, runDemoSeedOnce, seedsDir } from './seed.service.js';
