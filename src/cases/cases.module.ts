import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { evidenceStorageProvider } from '../common/storage/evidence-storage';
import { IdentityModule } from '../identity/identity.module';
import { CaseViewCache } from './case-view-cache';
import { CasesController } from './cases.controller';
import { CasesRepository } from './cases.repository';
import { CasesService } from './cases.service';
import { DemoCasesSeeder } from './demo-cases.seeder';
import { DissuasionSlaHandler } from './dissuasion-sla.job';
import { DissuasionsController } from './dissuasions.controller';
import { DissuasionsService } from './dissuasions.service';
import { Case } from './entities/case.entity';
import { EvidenceController } from './evidence.controller';
import { EvidenceRepository } from './evidence.repository';
import { EvidenceService } from './evidence.service';
import { Identifier } from './entities/identifier.entity';
import { Victim } from './entities/victim.entity';
import { FraudTypesController } from './fraud-types.controller';
import { IdentifierLookupController, LinksController } from './links.controller';
import { LinksRepository } from './links.repository';
import { LinksService } from './links.service';
import { TransferFlagsController } from './transfer-flags.controller';
import { TransferFlagsRepository } from './transfer-flags.repository';
import { TransferFlagsService } from './transfer-flags.service';
import { TransferHitsNotifyHandler } from './transfer-hits-notify.job';
import { VictimPiiService } from './victim-pii.service';

/** Cases, victims with protected PII, identifiers and their links, transfers, workflow and notes. */
@Module({
  imports: [TypeOrmModule.forFeature([Case, Victim, Identifier]), IdentityModule],
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
