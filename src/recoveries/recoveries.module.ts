import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CasesModule } from '../cases/cases.module.js';
import { CaseMoneyController } from './case-money.controller.js';
import { IdentityModule } from '../identity/identity.module.js';
import { CeremoniesController } from './ceremonies.controller.js';
import { CeremoniesRepository } from './ceremonies.repository.js';
import { CeremoniesService } from './ceremonies.service.js';
import { FreezeOrdersController } from './freeze-orders.controller.js';
import { FreezeOrdersRepository } from './freeze-orders.repository.js';
import { DemoRecoveriesSeeder } from './demo-recoveries.seeder.js';
import { Allocation } from './entities/allocation.entity.js';
import { Ceremony } from './entities/ceremony.entity.js';
import { FreezeOrderEvent } from './entities/freeze-order-event.entity.js';
import { FreezeOrder } from './entities/freeze-order.entity.js';
import { Recovery } from './entities/recovery.entity.js';
import { FreezeOrdersService } from './freeze-orders.service.js';
import { FreezeExpiryHandler } from './jobs/freeze-expiry.job.js';
import { FreezeExpiryScheduler } from './jobs/freeze-expiry.scheduler.js';
import { FreezeOrderNotifyHandler } from './jobs/freeze-order-notify.job.js';
import { RecoveriesController } from './recoveries.controller.js';
import { RecoveriesRepository } from './recoveries.repository.js';
import { RecoveriesService } from './recoveries.service.js';

/** Recoveries: stop-payment and freeze orders, recoveries, allocation, ceremonies (docs/ARCHITECTURE.md). */
@Module({
  imports: [
    TypeOrmModule.forFeature([FreezeOrder, FreezeOrderEvent, Recovery, Allocation, Ceremony]),
    CasesModule,
    IdentityModule,
  ],
  controllers: [
    FreezeOrdersController,
    RecoveriesController,
    CeremoniesController,
    CaseMoneyController,
  ],
  providers: [
    FreezeOrdersRepository,
    FreezeOrdersService,
    FreezeExpiryScheduler,
    FreezeExpiryHandler,
    FreezeOrderNotifyHandler,
    RecoveriesRepository,
    RecoveriesService,
    CeremoniesRepository,
    CeremoniesService,
    DemoRecoveriesSeeder,
  ],
  exports: [FreezeExpiryScheduler, DemoRecoveriesSeeder],
})
export class RecoveriesModule {}
