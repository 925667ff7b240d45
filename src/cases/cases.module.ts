import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Dissuasion } from './dissuasions/entities/dissuasion.entity.js';
import { TransferFlag } from './transfer-flags/entities/transfer-flag.entity.js';
import { TransferHit } from './transfer-flags/entities/transfer-hit.entity.js';
import { evidenceStorageProvider } from './evidence/evidence-storage.js';
import { IdentityModule } from '../identity/index.js';
import { CaseViewCache } from './case/case-view-cache.js';
import { CasesController } from './case/cases.controller.js';
import { CasesRepository } from './case/cases.repository.js';
import { CaseFactsService } from './case/case-facts.service.js';
import { CasePartiesService } from './case/case-parties.service.js';
import { CasesService } from './case/cases.service.js';
import { DemoCasesSeeder } from './demo-cases.seeder.js';
import { DissuasionSlaHandler } from './dissuasions/jobs/dissuasion-sla.job.js';
import { DissuasionsController } from './dissuasions/dissuasions.controller.js';
import { DissuasionEscalationService } from './dissuasions/dissuasion-escalation.service.js';
import { DissuasionsRepository } from './dissuasions/dissuasions.repository.js';
import { DissuasionsService } from './dissuasions/dissuasions.service.js';
import { Case } from './case/entities/case.entity.js';
import { EvidenceController } from './evidence/evidence.controller.js';
import { EvidenceRepository } from './evidence/evidence.repository.js';
import { EvidenceService } from './evidence/evidence.service.js';
import { Identifier } from './case/entities/identifier.entity.js';
import { Victim } from './case/entities/victim.entity.js';
import { FraudTypesController } from './fraud-types/fraud-types.controller.js';
import { FraudTypesRepository } from './fraud-types/fraud-types.repository.js';
import { FraudTypesService } from './fraud-types/fraud-types.service.js';
import { IdentifierLookupController, LinksController } from './links/links.controller.js';
import { LinksRepository } from './links/links.repository.js';
import { LinksService } from './links/links.service.js';
import { HitNoticesService } from './transfer-flags/hit-notices.service.js';
import { TransferFlagsController } from './transfer-flags/transfer-flags.controller.js';
import { TransferFlagsRepository } from './transfer-flags/transfer-flags.repository.js';
import { TransferFlagsService } from './transfer-flags/transfer-flags.service.js';
import { TransferHitsNotifyHandler } from './transfer-flags/jobs/transfer-hits-notify.job.js';
import { VictimPiiService } from './case/victim-pii.service.js';
import { TransferFlagFileHandler } from './transfer-flags/files/jobs/transfer-flag-file.job.js';
import { TransferFlagFilesController } from './transfer-flags/files/transfer-flag-files.controller.js';
import { TransferFlagFilesRepository } from './transfer-flags/files/transfer-flag-files.repository.js';
import { TransferFlagFilesService } from './transfer-flags/files/transfer-flag-files.service.js';

/** Cases, victims with protected PII, identifiers and their links, transfers, workflow and notes. */
@Module({
  imports: [
    TypeOrmModule.forFeature([Case, Victim, Identifier, TransferFlag, TransferHit, Dissuasion]),
    IdentityModule,
  ],
  controllers: [
    CasesController,
    FraudTypesController,
    LinksController,
    IdentifierLookupController,
    EvidenceController,
    TransferFlagFilesController,
    TransferFlagsController,
    DissuasionsController,
  ],
  providers: [
    CasesRepository,
    CasesService,
    CasePartiesService,
    CaseFactsService,
    CaseViewCache,
    FraudTypesRepository,
    FraudTypesService,
    VictimPiiService,
    DemoCasesSeeder,
    LinksRepository,
    LinksService,
    EvidenceRepository,
    EvidenceService,
    evidenceStorageProvider,
    TransferFlagsRepository,
    TransferFlagsService,
    DissuasionsRepository,
    DissuasionsService,
    DissuasionEscalationService,
    HitNoticesService,
    TransferHitsNotifyHandler,
    TransferFlagFilesRepository,
    TransferFlagFilesService,
    TransferFlagFileHandler,
    DissuasionSlaHandler,
  ],
  exports: [CaseFactsService, DemoCasesSeeder],
})
export class CasesModule {}
