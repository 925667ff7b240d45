import { Module } from '@nestjs/common';
import { IdentityModule } from '../identity/identity.module';
import { AlertsRepository } from './alerts.repository';
import { AlertsSecrets } from './alerts-secrets';
import { AlertsSweeper } from './alerts-sweeper.service';
import { CoordinatorsController } from './coordinators.controller';
import { CoordinatorsService } from './coordinators.service';
import { DeliveriesController } from './deliveries.controller';
import { DemoCoordinatorsSeeder } from './demo-coordinators.seeder';
import { AlertsDeliverHandler } from './jobs/alerts-deliver.job';
import { AlertsFanoutHandler } from './jobs/alerts-fanout.job';
import { AlertsTrendScanHandler } from './jobs/alerts-trend-scan.job';
import { MessageRenderer } from './message-renderer';
import { TrendScanService } from './trend-scan.service';
import { TrendRepository } from './trend.repository';
import { WarningsController } from './warnings.controller';
import { WarningsService } from './warnings.service';

/** Alerts (预警): warnings, four-eyes approval, coordinators and channels, fan-out and delivery, CAP. */
@Module({
  imports: [IdentityModule],
  controllers: [WarningsController, CoordinatorsController, DeliveriesController],
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
    TrendRepository,
    TrendScanService,
    AlertsTrendScanHandler,
  ],
  exports: [WarningsService, DemoCoordinatorsSeeder],
})
export class AlertsModule {}
