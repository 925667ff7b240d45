import { Module } from '@nestjs/common';
import { createSecretKey } from 'node:crypto';
import { JwtModule } from '@nestjs/jwt';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ACTOR_RESOLVER } from '../common/auth/actor-resolver';
import { APP_CONFIG, AppConfig } from '../common/config/config';
import { ActorCache } from './actor-cache';
import { ApiKeyChangedHandler } from './api-key-changed.job';
import { ApiKeysController } from './api-keys.controller';
import { ApiKeysRepository } from './api-keys.repository';
import { ApiKeysService } from './api-keys.service';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { ApiKey } from './entities/api-key.entity';
import { Notification } from './entities/notification.entity';
import { Unit } from './entities/unit.entity';
import { User } from './entities/user.entity';
import { NotificationsController } from './notifications/notifications.controller';
import { NotificationsRepository } from './notifications/notifications.repository';
import { NotificationsService } from './notifications/notifications.service';
import { SeedService } from './seed.service';
import { UnitsController } from './units.controller';
import { UnitsRepository } from './units.repository';
import { UnitsService } from './units.service';
import { UsersController } from './users.controller';
import { UsersRepository } from './users.repository';
import { UsersService } from './users.service';

@Module({
  imports: [
    TypeOrmModule.forFeature([Unit, User, ApiKey, Notification]),
    JwtModule.registerAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({
        // A KeyObject: given a string, jsonwebtoken re-derives the key on every verify (~15 % of a request).
        secret: createSecretKey(Buffer.from(config.jwtSecret, 'utf8')),
        signOptions: { expiresIn: config.jwtTtlSeconds, algorithm: 'HS256' },
        verifyOptions: { algorithms: ['HS256'] },
      }),
    }),
  ],
  controllers: [
    AuthController,
    UnitsController,
    UsersController,
    ApiKeysController,
    NotificationsController,
  ],
  providers: [
    UnitsRepository,
    UsersRepository,
    ApiKeysRepository,
    NotificationsRepository,
    ActorCache,
    AuthService,
    { provide: ACTOR_RESOLVER, useExisting: AuthService },
    UnitsService,
    UsersService,
    ApiKeysService,
    NotificationsService,
    ApiKeyChangedHandler,
    SeedService,
  ],
  exports: [ACTOR_RESOLVER, UnitsService, NotificationsService, SeedService],
})
export class IdentityModule {}
