// The identity module's one published surface: other modules import identity only from here.
export { IdentityModule } from './identity.module.js';
// Units: the tree every scope is cut from (kind, the bank of a branch, names).
export { UnitsService } from './units/units.service.js';
export { UnitKind } from './units/entities/unit.entity.js';
// The views other modules' SQL reads identity's tables through (declared by the ground floor, which
// reads them too: scope checks, the audit trail's actor names).
export { IDENTITY_VIEWS } from '../common/database/views.js';
// Notifications: any module tells users of something (idempotent per outbox event and user).
export { NotificationsService } from './notifications/notifications.service.js';
// Demo data: the seed file reader and the once-only bookkeeping the other modules' seeders share.
export {
  markSeedRan,
  readSeed,
  runDemoSeedOnce,
  seedRan,
  seedsDir,
  SeedService,
} from './seed.service.js';
// The login limiter's purge, for the housekeeping test and the CLI.
export { RateLimiter } from './auth/rate-limiter.js';
