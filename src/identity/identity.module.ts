import { Module } from '@nestjs/common';
import { createSecretKey } from 'node:crypto';
import { JwtModule } from '@nestjs/jwt';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ACTOR_RESOLVER } from '../common/auth/actor-resolver.js';
import { APP_CONFIG, AppConfig } from '../common/config/config.js';
import { ActorCache } from './auth/actor-cache.js';
import { ApiKeyChangedHandler } from './api-keys/jobs/api-key-changed.job.js';
import { ApiKeysController } from './api-keys/api-keys.controller.js';
import { ApiKeysRepository } from './api-keys/api-keys.repository.js';
import { ApiKeysService } from './api-keys/api-keys.service.js';
import { AuthController } from './auth/auth.controller.js';
import { AuthService } from './auth/auth.service.js';
import { RateLimiter } from './auth/rate-limiter.js';
import { ApiKey } from './api-keys/entities/api-key.entity.js';
import { Notification } from './notifications/entities/notification.entity.js';
import { Unit } from './units/entities/unit.entity.js';
import { User } from './users/entities/user.entity.js';
import { NotificationsController } from './notifications/notifications.controller.js';
import { NotificationsRepository } from './notifications/notifications.repository.js';
import { NotificationsService } from './notifications/notifications.service.js';
import { SeedService } from './seed.service.js';
import { UnitsController } from './units/units.controller.js';
import { UnitsRepository } from './units/units.repository.js';
import { UnitsService } from './units/units.service.js';
import { UsersController } from './users/users.controller.js';
import { UsersRepository } from './users/users.repository.js';
import { UsersService } from './users/users.service.js';

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
    RateLimiter,
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
