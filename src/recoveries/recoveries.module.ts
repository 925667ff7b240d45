import { Module } from '@nestjs/common';
import { CasesModule } from '../cases/cases.module';
import { IdentityModule } from '../identity/identity.module';
import { CeremoniesController } from './ceremonies.controller';
import { CeremoniesRepository } from './ceremonies.repository';
import { CeremoniesService } from './ceremonies.service';
import { FreezeOrdersController } from './freeze-orders.controller';
import { FreezeOrdersRepository } from './freeze-orders.repository';
import { FreezeOrdersService } from './freeze-orders.service';
import { FreezeExpiryHandler } from './jobs/freeze-expiry.job';
import { FreezeExpiryScheduler } from './jobs/freeze-expiry.scheduler';
import { FreezeOrderNotifyHandler } from './jobs/freeze-order-notify.job';
import { RecoveriesController } from './recoveries.controller';
import { RecoveriesRepository } from './recoveries.repository';
import { RecoveriesService } from './recoveries.service';

/** Recoveries: stop-payment and freeze orders, recoveries, allocation, ceremonies (DESIGN.md). */
@Module({
  imports: [CasesModule, IdentityModule],
  controllers: [FreezeOrdersController, RecoveriesController, CeremoniesController],
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
  ],
  exports: [FreezeExpiryScheduler],
})
export class RecoveriesModule {}
