import {
  CanActivate,
  ExecutionContext,
  ForbiddenException,
  Inject,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { requestContext } from '../context/request-context.js';
import type { Actor } from './actor.js';
import { ACTOR_RESOLVER, ActorResolver } from './actor-resolver.js';
import { ALLOW_KEY, Allowed, PUBLIC } from './allow.decorator.js';

export type AuthedRequest = FastifyRequest & { actor?: Actor };

/** Reads the caller from `Authorization: Bearer` (any case), `X-Api-Key`, or the `jw_token` cookie (dashboards). */
export async function authenticate(
  req: FastifyRequest,
  resolver: ActorResolver,
  options: { cookie?: boolean } = {},
): Promise<Actor | null> {
  // The scheme name is case-insensitive (RFC 9110 §11.1).
  const bearer = /^bearer[ \t]+(\S+)[ \t]*$/i.exec(req.headers.authorization ?? '');
  if (bearer) return resolver.resolveBearer(bearer[1]);
  const key = req.headers['x-api-key'];
  if (typeof key === 'string' && key) return resolver.resolveApiKey(key.trim());
  // The cookie only for the browser dashboard: the API takes headers, so no cross-site request can use it.
  const cookie = options.cookie
    ? /(?:^|;\s*)jw_token=([^;]+)/.exec(req.headers.cookie ?? '')
    : null;
  if (cookie) return resolver.resolveBearer(decodeURIComponent(cookie[1]));
  return null;
}

/**
 * The one global guard: every endpoint declares its roles with @Allow (or @Public); one that
 * declares nothing is refused. Wrong or missing credentials → 401; a role not allowed → 403.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(ACTOR_RESOLVER) private readonly resolver: ActorResolver,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const allowed = this.reflector.getAllAndOverride<Allowed | undefined>(ALLOW_KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!allowed)
      throw new ForbiddenException('This endpoint declares no roles, so no one may call it');
    if (allowed === PUBLIC) return true;
    const req = context.switchToHttp().getRequest<AuthedRequest>();
    const actor = await authenticate(req, this.resolver);
    if (!actor) throw new UnauthorizedException('Missing, invalid or revoked credentials');
    req.actor = actor;
    const ctx = requestContext.get();
    if (ctx) ctx.actor = actor;
    if (!allowed.includes(actor.role)) {
      throw new ForbiddenException(`Role ${actor.role} may not do this`);
    }
    return true;
  }
}
