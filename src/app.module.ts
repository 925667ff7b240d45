import { DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AlertsModule } from './alerts/alerts.module.js';
import { CasesModule } from './cases/cases.module.js';
import { AuthGuard } from './common/auth/auth.guard.js';
import { CommonModule, CommonOptions } from './common/common.module.js';
import { IdentityModule } from './identity/identity.module.js';
import { RecoveriesModule } from './recoveries/recoveries.module.js';
import { ReportsModule } from './reports/index.js';

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
