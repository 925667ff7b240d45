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
import { Dissuasion } from './entities/dissuasion.entity.js';
import { TransferFlag } from './entities/transfer-flag.entity.js';
import { TransferHit } from './entities/transfer-hit.entity.js';
import { EvidenceController } from './evidence.controller.js';
import { EvidenceRepository } from './evidence.repository.js';
import { EvidenceService } from './evidence.service.js';
import { Identifier } from './entities/identifier.entity.js';
import { Victim } from './entities/victim.entity.js';
import { FraudTypesController } from './fraud-types.controller.js';
import { IdentifierLookupController, LinksController } from './links.controller.js';
import { LinksRepository } from './links.repository.js';
import { LinksService } from './links.service.js';
import { TransferFlagsController } from './transfer-flags.controller.js';
import { TransferFlagsRepository } from './transfer-flags.repository.js';
import { TransferFlagsService } from './transfer-flags.service.js';
import { TransferHitsNotifyHandler } from './transfer-hits-notify.job.js';
import { VictimPiiService } from './victim-pii.service.js';

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
    DissuasionSlaHandler,
  ],
  exports: [CasesService, DemoCasesSeeder],
})
export class CasesModule {}
