import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { evidenceStorageProvider } from '../common/storage/evidence-storage.js';
import { IdentityModule } from '../identity/identity.module.js';
import { CaseViewCache } from './case-view-cache.js';
import { CasesController } from './cases.controller.js';
import { CasesRepository } from './cases.repository.js';
import { CasesService } from './cases.service.js';
import { DemoCasesSeeder } from './demo-cases.seeder.js';
import { DissuasionSlaHandler } from './dissuasion-sla.job.js';
import { DissuasionsController } from './dissuasions.controller.js';
import { DissuasionsService } from './dissuasions.service.js';
import { Case } from './entities/case.entity.js';
import { EvidenceController } from './evidence.controller.js';
import { EvidenceRepository } from './evidence.repository.js';
import { EvidenceService } from './evidence.service.js';
import { Identifier } from './entities/identifier.entity.js';
import { Victim } from './entities/victim.entity.js';
import { FraudTypesController } from './fraud-types.controller.js';
import { IdentifierLookupController, LinksController } from './links.controller.js';
import { LinksRepository } from './links.repository.js';
import { LinksService } from './links.service.js';
import { TransferFlagFileHandler } from './transfer-flags/files/jobs/transfer-flag-file.job.js';
import { TransferFlagFilesController } from './transfer-flags/files/transfer-flag-files.controller.js';
import { TransferFlagFilesRepository } from './transfer-flags/files/transfer-flag-files.repository.js';
import { TransferFlagFilesService } from './transfer-flags/files/transfer-flag-files.service.js';
import { TransferFlagsController } from './transfer-flags.controller.js';
import { TransferFlagsRepository } from './transfer-flags.repository.js';
import { TransferFlagsService } from './transfer-flags.service.js';
import { TransferHitsNotifyHandler } from './transfer-hits-notify.job.js';
import { VictimPiiService } from './victim-pii.service.js';

/** Cases, victims with protected PII, identifiers and their links, transfers, workflow and notes. */
@Module({
  imports: [TypeOrmModule.forFeature([Case, Victim, Identifier]), IdentityModule],
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
    CaseViewCache,
    VictimPiiService,
    DemoCasesSeeder,
    LinksRepository,
    LinksService,
    EvidenceRepository,
    EvidenceService,
    evidenceStorageProvider,
    TransferFlagsRepository,
    TransferFlagsService,
    DissuasionsService,
    TransferHitsNotifyHandler,
    TransferFlagFilesRepository,
    TransferFlagFilesService,
    TransferFlagFileHandler,
    DissuasionSlaHandler,
  ],
  exports: [CasesService, DemoCasesSeeder],
})
export class CasesModule {}
