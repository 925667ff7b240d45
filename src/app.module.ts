import { DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AlertsModule } from './alerts/alerts.module';
import { CasesModule } from './cases/cases.module';
import { AuthGuard } from './common/auth/auth.guard';
import { CommonModule, CommonOptions } from './common/common.module';
import { IdentityModule } from './identity/identity.module';
import { RecoveriesModule } from './recoveries/recoveries.module';
import { ReportsModule } from './reports/reports.module';

@Module({})
export class AppModule {
  static forRoot(options: CommonOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [
        CommonModule.forRoot(options),
        IdentityModule,
        CasesModule,
        RecoveriesModule,
        AlertsModule,
        ReportsModule,
      ],
      providers: [{ provide: APP_GUARD, useClass: AuthGuard }],
    };
  }
}
