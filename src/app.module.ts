import { DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AlertsModule } from './alerts/index.js';
import { CasesModule } from './cases/index.js';
import { AuthGuard } from './common/auth/auth.guard.js';
import { CommonModule, CommonOptions } from './common/common.module.js';
import { IdentityModule } from './identity/index.js';
import { RecoveriesModule } from './recoveries/index.js';
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
