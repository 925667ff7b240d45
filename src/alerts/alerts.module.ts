import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { IdentityModule } from '../identity/identity.module.js';
import { AlertsRepository } from './alerts.repository.js';
import { AlertsSecrets } from './alerts-secrets.js';
import { AlertsSweeper } from './alerts-sweeper.service.js';
import { CoordinatorsController } from './coordinators.controller.js';
import { CoordinatorsService } from './coordinators.service.js';
import { DeliveriesController, DeliveryPageController } from './deliveries.controller.js';
import { DemoCoordinatorsSeeder } from './demo-coordinators.seeder.js';
import { DemoWarningsSeeder } from './demo-warnings.seeder.js';
import { Coordinator } from './entities/coordinator.entity.js';
import { Delivery } from './entities/delivery.entity.js';
import { Warning } from './entities/warning.entity.js';
import { AlertsDeliverHandler } from './jobs/alerts-deliver.job.js';
import { AlertsFanoutHandler } from './jobs/alerts-fanout.job.js';
import { AlertsTrendScanHandler } from './jobs/alerts-trend-scan.job.js';
import { MessageRenderer } from './message-renderer.js';
import { TrendScanService } from './trend-scan.service.js';
import { TrendRepository } from './trend.repository.js';
import { WarningsController } from './warnings.controller.js';
import { WarningsService } from './warnings.service.js';

/** Alerts (预警): warnings, four-eyes approval, coordinators and channels, fan-out and delivery, CAP. */
@Module({
  imports: [TypeOrmModule.forFeature([Warning, Coordinator, Delivery]), IdentityModule],
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
