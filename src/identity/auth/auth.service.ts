import { HttpStatus, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash, timingSafeEqual } from 'node:crypto';
import { DataSource } from 'typeorm';
import type { Actor } from '../../common/auth/actor.js';
import type { ActorResolver } from '../../common/auth/actor-resolver.js';
import { PII_ROLES, Role } from '../../common/auth/roles.js';
import { AuditService } from '../../common/audit/audit.service.js';
import { APP_CONFIG, AppConfig } from '../../common/config/config.js';
import { ApiError } from '../../common/http/errors.js';
import { RateLimiter } from './rate-limiter.js';
import { ActorCache } from './actor-cache.js';
import { ApiKeysRepository } from '../api-keys/api-keys.repository.js';
import { MeDto, TokenDto } from './dto/auth.dto.js';
import { UnitDto } from '../units/dto/unit.dto.js';
import { dummyHash, verifyPassword } from '../users/passwords.js';
import { UnitsRepository } from '../units/units.repository.js';
import { UsersRepository, UserWithScope } from '../users/users.repository.js';

interface TokenClaims {
  sub: string;
  iat: number;
  /**
   * The user's passwordChangedAt (ms) when the token was issued. `iat` has whole seconds only, so
   * it cannot tell a token issued just before a password change from one issued just after.
   */
  pwc: number;
  exp: number;
}

/** Verified tokens kept per process: the most a busy API holds before dropping the oldest. */
const VERIFIED_TOKENS_MAX = 10_000;

export const API_KEY_PATTERN = /^(jwk_[0-9a-f]{8})_[A-Za-z0-9_-]{43}$/;
export const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

@Injectable()
export class AuthService implements ActorResolver {
  constructor(
    private readonly users: UsersRepository,
    private readonly actors: ActorCache,
    private readonly units: UnitsRepository,
    private readonly keys: ApiKeysRepository,
    private readonly jwt: JwtService,
    private readonly limiter: RateLimiter,
    private readonly audit: AuditService,
    @InjectDataSource() private readonly ds: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Username + password → JWT (and the user's role, for the dashboard cookie). Limited per
   * (address, username), per address, and per username from any address (failures only: a
   * successful login is taken back off every counter). A lockout of the account and the first
   * refusal of each limit in its window are audited, like every failure.
   */
  async login(
    username: string,
    password: string,
    ip: string,
  ): Promise<{ token: TokenDto; role: Role }> {
    const { max, windowSeconds, accountMax, accountWindowSeconds } = this.config.loginRateLimit;
    const name = username.trim().toLowerCase();
    const limits = [
      { key: `login:${ip}:${name}`, limit: max, window: windowSeconds, kind: 'address_username' },
      { key: `login-ip:${ip}`, limit: max * 10, window: windowSeconds, kind: 'address' },
      {
        key: `login-user:${name}`,
        limit: accountMax,
        window: accountWindowSeconds,
        kind: 'username',
      },
    ] as const;
    const counted: { key: string; windowStart: Date; count: number }[] = [];
    const refund = () => Promise.all(counted.map((c) => this.limiter.refund(c.key, c.windowStart)));
    for (const l of limits) {
      const d = await this.limiter.consume(l.key, l.limit, l.window);
      if (!d.allowed) {
        await refund();
        // Only the first refusal of a window is audited; later ones are counted in the window, so
        // a flood of refused attempts cannot flood the (serialized) audit chain.
        if (d.count === l.limit + 1) {
          await this.audit.record(this.ds.manager, {
            action: 'auth.login_throttled',
            entity: 'user',
            entityId: (await this.users.findForLogin(name))?.id ?? null,
            details: { username: name, limit: l.kind, retryAfterSeconds: d.retryAfterSeconds },
          });
        }
        throw new ApiError(
          HttpStatus.TOO_MANY_REQUESTS,
          `Too many login attempts; try again in ${d.retryAfterSeconds} s`,
          [],
          { 'retry-after': String(d.retryAfterSeconds) },
        );
      }
      counted.push({ key: l.key, windowStart: d.windowStart, count: d.count });
    }
    const user = await this.users.findForLogin(name);
    const ok = await verifyPassword(user?.passwordHash ?? (await dummyHash()), password);
    if (!user || !ok || user.disabledAt) {
      const accountFailures = counted[2].count;
      await this.ds.transaction(async (em) => {
        await this.audit.record(em, {
          action: 'auth.login_failed',
          entity: 'user',
          entityId: user?.id ?? null,
          details: {
            username: name,
            reason: !user ? 'unknown_user' : !ok ? 'wrong_password' : 'disabled',
          },
        });
        if (accountFailures === accountMax) {
          await this.audit.record(em, {
            action: 'auth.account_locked',
            entity: 'user',
            entityId: user?.id ?? null,
            details: {
              username: name,
              failures: accountFailures,
              windowSeconds: accountWindowSeconds,
            },
          });
        }
      });
      throw new UnauthorizedException('Wrong username or password, or the account is disabled');
    }
    await refund();
    await this.audit.record(this.ds.manager, {
      action: 'auth.login',
      entity: 'user',
      entityId: user.id,
    });
    const accessToken = await this.jwt.signAsync({
      sub: user.id,
      pwc: user.passwordChangedAt.getTime(),
    } satisfies Omit<TokenClaims, 'iat' | 'exp'>);
    return {
      token: { accessToken, tokenType: 'Bearer', expiresIn: this.config.jwtTtlSeconds },
      role: user.role,
    };
  }

  /** A bearer token's user, if the token is valid, the user enabled and the password unchanged since. */
  async resolveBearer(token: string): Promise<Actor | null> {
    const claims = await this.verifiedClaims(token);
    if (!claims) return null;
    const user = await this.actors.get(claims.sub, () => this.users.findWithScope(claims.sub));
    if (!user || user.disabledAt) return null;
    if (claims.pwc !== user.passwordChangedAt.getTime()) return null;
    return this.actorOf(user);
  }

  /**
   * A token's claims once its signature and expiry are checked. The check is kept until the token
   * expires (the signature of a given token never changes; the secret is fixed per process), which
   * spares the HMAC and JSON parsing on every request of a client; whether its user may still act
   * is decided on every request above.
   */
  private async verifiedClaims(token: string): Promise<TokenClaims | null> {
    const known = this.verified.get(token);
    if (known) {
      if (known.exp * 1000 > Date.now()) return known;
      this.verified.delete(token);
    }
    let claims: TokenClaims;
    try {
      claims = await this.jwt.verifyAsync<TokenClaims>(token);
    } catch {
      return null;
    }
    // jsonwebtoken accepts a token without `exp` as never expiring; ours always carry one.
    if (!Number.isFinite(claims.exp) || typeof claims.sub !== 'string') return null;
    if (this.verified.size >= VERIFIED_TOKENS_MAX) {
      const oldest = this.verified.keys().next().value;
      if (oldest !== undefined) this.verified.delete(oldest);
    }
    this.verified.set(token, claims);
    return claims;
  }

  private readonly verified = new Map<string, TokenClaims>();

  /** An enabled user as an Actor, for work done on a user's behalf without a request (demo seeding). */
  async actorForUsername(username: string): Promise<Actor | null> {
    const found = await this.users.findForLogin(username);
    const user = found ? await this.users.findWithScope(found.id) : null;
    return user && !user.disabledAt ? this.actorOf(user) : null;
  }

  private actorOf(user: UserWithScope): Actor {
    return {
      kind: 'user',
      id: user.id,
      username: user.username,
      role: user.role,
      unitId: user.unitId,
      scopePath:
        user.role === Role.Admin
          ? null
          : user.role === Role.BankLiaison
            ? (user.bankPath ?? user.unitPath)
            : user.unitPath,
    };
  }

  /** A bank system's key acts as a liaison of its bank. */
  async resolveApiKey(key: string): Promise<Actor | null> {
    const match = API_KEY_PATTERN.exec(key);
    if (!match) return null;
    const row = await this.keys.findByPrefix(match[1]);
    if (!row || row.revokedAt) return null;
    const given = Buffer.from(sha256(key), 'hex');
    if (!timingSafeEqual(given, Buffer.from(row.keyHash, 'hex'))) return null;
    void this.keys.touch(row.id).catch(() => undefined);
    return {
      kind: 'api_key',
      id: row.id,
      username: row.name,
      role: Role.BankLiaison,
      unitId: row.unitId,
      scopePath: row.unitPath,
    };
  }

  async me(actor: Actor): Promise<MeDto> {
    const unit = await this.units.findById(actor.unitId);
    if (!unit) throw new UnauthorizedException();
    let displayName = actor.username;
    if (actor.kind === 'user')
      displayName = (await this.users.findById(actor.id))?.displayName ?? displayName;
    return {
      kind: actor.kind,
      id: actor.id,
      username: actor.username,
      displayName,
      role: actor.role,
      unit: UnitDto.from(unit),
      canSeePii: PII_ROLES.includes(actor.role),
    };
  }
}
