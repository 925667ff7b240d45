// The cases feature's one published surface: other modules import cases only from here.
export { CasesModule } from './cases.module.js';
export { CaseFactsService, type MaskedVictim } from './case/case-facts.service.js';
// The views other modules' SQL reads the cases tables through (src/cases/views.ts).
export { CASES_VIEWS } from './views.js';
export type { FraudType } from './fraud-types/fraud-types.service.js';
export type {
  CaseIdentifierDto,
  CaseSummaryDto,
  TransferDto,
  VictimDto,
} from './case/dto/case.dto.js';
// The demo data loader, for the app-level CLI and the demo start (main.ts).
export { DemoCasesSeeder } from './demo-cases.seeder.js';
