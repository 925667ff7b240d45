// The cases module's published surface (the cases module owns this file; recoveries reads cases
// only through it).
export { CasesModule } from './cases.module.js';
export { CasesService } from './cases.service.js';
