import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Ceremony } from './ceremonies/entities/ceremony.entity.js';
import { FreezeOrderEvent } from './freeze-orders/entities/freeze-order-event.entity.js';
import { FreezeOrder } from './freeze-orders/entities/freeze-order.entity.js';
import { Allocation } from './recoveries/entities/allocation.entity.js';
import { Recovery } from './recoveries/entities/recovery.entity.js';
import { CasesModule } from '../cases/index.js';
import { CaseMoneyController } from './recoveries/case-money.controller.js';
import { IdentityModule } from '../identity/index.js';
import { CeremoniesController } from './ceremonies/ceremonies.controller.js';
import { CeremoniesRepository } from './ceremonies/ceremonies.repository.js';
import { CeremoniesService } from './ceremonies/ceremonies.service.js';
import { FreezeOrdersController } from './freeze-orders/freeze-orders.controller.js';
import { FreezeOrdersRepository } from './freeze-orders/freeze-orders.repository.js';
import { DemoRecoveriesSeeder } from './demo-recoveries.seeder.js';
import { FreezeOrdersService } from './freeze-orders/freeze-orders.service.js';
import { FreezeExpiryService } from './freeze-orders/freeze-expiry.service.js';
import { FreezeOrderNoticesService } from './freeze-orders/freeze-order-notices.service.js';
import { FreezeExpiryHandler } from './freeze-orders/jobs/freeze-expiry.job.js';
import { FreezeExpiryScheduler } from './freeze-orders/freeze-expiry.scheduler.js';
import { FreezeOrderNotifyHandler } from './freeze-orders/jobs/freeze-order-notify.job.js';
import { RecoveriesController } from './recoveries/recoveries.controller.js';
import { RecoveriesRepository } from './recoveries/recoveries.repository.js';
import { RecoveriesService } from './recoveries/recoveries.service.js';

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
    FreezeExpiryService,
    FreezeExpiryHandler,
    FreezeOrderNoticesService,
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
