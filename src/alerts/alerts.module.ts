import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Coordinator } from './coordinators/entities/coordinator.entity.js';
import { Delivery } from './deliveries/entities/delivery.entity.js';
import { Warning } from './warnings/entities/warning.entity.js';
import { IdentityModule } from '../identity/index.js';
import { AlertsSecrets } from './alerts-secrets.js';
import { CoordinatorsController } from './coordinators/coordinators.controller.js';
import { CoordinatorsRepository } from './coordinators/coordinators.repository.js';
import { CoordinatorsService } from './coordinators/coordinators.service.js';
import { DemoCoordinatorsSeeder } from './coordinators/demo-coordinators.seeder.js';
import { AlertsSweeper } from './deliveries/alerts-sweeper.service.js';
import {
  DeliveriesController,
  DeliveryPageController,
} from './deliveries/deliveries.controller.js';
import { DeliveriesRepository } from './deliveries/deliveries.repository.js';
import { DeliveriesService } from './deliveries/deliveries.service.js';
import { DeliverySender } from './deliveries/delivery-sender.service.js';
import { HostResolver } from './deliveries/host-resolver.js';
import { AlertsDeliverHandler } from './deliveries/jobs/alerts-deliver.job.js';
import { MessageRenderer } from './deliveries/message-renderer.js';
import { AlertsLookups } from './lookups.repository.js';
import { AlertsTrendScanHandler } from './trend/jobs/alerts-trend-scan.job.js';
import { TrendScanService } from './trend/trend-scan.service.js';
import { TrendRepository } from './trend/trend.repository.js';
import { DemoWarningsSeeder } from './warnings/demo-warnings.seeder.js';
import { AlertsFanoutHandler } from './warnings/jobs/alerts-fanout.job.js';
import { WarningsController } from './warnings/warnings.controller.js';
import { WarningsRepository } from './warnings/warnings.repository.js';
import { WarningsService } from './warnings/warnings.service.js';

/**
 * Alerts (预警): warnings with four-eyes approval and CAP export (warnings/), coordinators and
 * their channels (coordinators/), fan-out, sending and acknowledgement (deliveries/), and the
 * trend scan that drafts warnings (trend/).
 */
@Module({
  imports: [TypeOrmModule.forFeature([Warning, Coordinator, Delivery]), IdentityModule],
  controllers: [
    WarningsController,
    CoordinatorsController,
    DeliveriesController,
    DeliveryPageController,
  ],
  providers: [
    AlertsLookups,
    AlertsSecrets,
    WarningsRepository,
    WarningsService,
    AlertsFanoutHandler,
    DemoWarningsSeeder,
    CoordinatorsRepository,
    CoordinatorsService,
    HostResolver,
    DemoCoordinatorsSeeder,
    DeliveriesRepository,
    DeliveriesService,
    DeliverySender,
    MessageRenderer,
    AlertsDeliverHandler,
    AlertsSweeper,
    TrendRepository,
    TrendScanService,
    AlertsTrendScanHandler,
  ],
  exports: [WarningsService, DemoCoordinatorsSeeder, DemoWarningsSeeder],
})
export class AlertsModule {}
