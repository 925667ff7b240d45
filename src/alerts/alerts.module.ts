import { Module } from '@nestjs/common';
import { IdentityModule } from '../identity/identity.module.js';
import { AlertsRepository } from './deliveries/deliveries.repository.js';
import { AlertsSecrets } from './alerts-secrets.js';
import { AlertsSweeper } from './deliveries/alerts-sweeper.service.js';
import { CoordinatorsController } from './coordinators/coordinators.controller.js';
import { CoordinatorsService } from './coordinators/coordinators.service.js';
import { DeliveriesController, DeliveryPageController } from './deliveries/deliveries.controller.js';
import { DemoCoordinatorsSeeder } from './coordinators/demo-coordinators.seeder.js';
import { DemoWarningsSeeder } from './warnings/demo-warnings.seeder.js';
import { AlertsDeliverHandler } from './deliveries/jobs/alerts-deliver.job.js';
import { AlertsFanoutHandler } from './warnings/jobs/alerts-fanout.job.js';
import { AlertsTrendScanHandler } from './trend/jobs/alerts-trend-scan.job.js';
import { MessageRenderer } from './deliveries/message-renderer.js';
import { TrendScanService } from './trend/trend-scan.service.js';
import { TrendRepository } from './trend/trend.repository.js';
import { WarningsController } from './warnings/warnings.controller.js';
import { WarningsService } from './warnings/warnings.service.js';

/** Alerts (预警): warnings, four-eyes approval, coordinators and channels, fan-out and delivery, CAP. */
@Module({
  imports: [IdentityModule],
  controllers: [
    WarningsController,
    CoordinatorsController,
    DeliveriesController,
    DeliveryPageController,
  ],
  providers: [
    AlertsRepository,
    AlertsSecrets,
    MessageRenderer,
    WarningsService,
    CoordinatorsService,
    AlertsFanoutHandler,
    AlertsDeliverHandler,
    AlertsSweeper,
    DemoCoordinatorsSeeder,
    DemoWarningsSeeder,
    TrendRepository,
    TrendScanService,
    AlertsTrendScanHandler,
  ],
  exports: [WarningsService, DemoCoordinatorsSeeder, DemoWarningsSeeder],
})
export class AlertsModule {}
