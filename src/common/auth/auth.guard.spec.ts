import 'reflect-metadata';
import {
  ExecutionContext,
  ForbiddenException,
  HttpException,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import assert from 'node:assert/strict';
import { describe, it } from '@jest/globals';
import type { Actor } from './actor.js';
import type { ActorResolver } from './actor-resolver.js';
import { Allow, Public } from './allow.decorator.js';
import { AuthedRequest, AuthGuard } from './auth.guard.js';
import { Role } from './roles.js';

const actors: Record<string, Actor> = {
  'admin-token': {
    kind: 'user',
    id: 'u-admin',
    username: 'admin',
    role: Role.Admin,
    unitId: 'unit-city',
    scopePath: null,
  },
  'officer-token': {
    kind: 'user',
    id: 'u-officer',
    username: 'li.officer',
    role: Role.Officer,
    unitId: 'unit-brigade',
    scopePath: '/city/brigade/',
  },
};
const bankKey: Actor = {
  kind: 'api_key',
  id: 'k-1',
  username: 'core banking',
  role: Role.BankLiaison,
  unitId: 'unit-bank',
  scopePath: '/bank/',
};

/** Knows two bearer tokens and one API key; counts its calls. */
class FakeResolver implements ActorResolver {
  calls = 0;
  async resolveBearer(token: string): Promise<Actor | null> {
    this.calls++;
    return actors[token] ?? null;
  }
  async resolveApiKey(key: string): Promise<Actor | null> {
    this.calls++;
    return key === 'jwk_good' ? bankKey : null;
  }
  async actorForUsername(): Promise<Actor | null> {
    return null;
  }
}

class Handlers {
  @Allow(Role.Admin)
  adminOnly() {}

  @Allow(Role.Officer, Role.BankLiaison)
  officersAndBanks() {}

  @Public()
  open() {}

  undeclared() {}
}

@Allow(Role.Officer)
class DeclaredOnClass {
  inherits() {}

  @Allow(Role.Admin)
  overrides() {}
}

class NoDeclarations {
  anything() {}
}

function contextFor(
  cls: new () => object,
  method: string,
  headers: Record<string, string> = {},
): { ctx: ExecutionContext; req: AuthedRequest } {
  const req = { headers } as unknown as AuthedRequest;
  const handler = (cls.prototype as Record<string, () => void>)[method];
  const ctx = {
    getHandler: () => handler,
    getClass: () => cls,
    getType: () => 'http',
    getArgs: () => [req],
    switchToHttp: () => ({
      getRequest: () => req,
      getResponse: () => ({}),
      getNext: () => undefined,
    }),
  } as unknown as ExecutionContext;
  return { ctx, req };
}

function setup() {
  const resolver = new FakeResolver();
  return { resolver, guard: new AuthGuard(new Reflector(), resolver) };
}

async function statusOf(promise: Promise<boolean>): Promise<number> {
  try {
    await promise;
    return 200;
  } catch (err) {
    assert.ok(err instanceof HttpException, `expected an HttpException, got ${String(err)}`);
    return err.getStatus();
  }
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('AuthGuard', () => {
  it('refuses everyone (403) on a handler that declares no roles', async () => {
    const { guard } = setup();
    for (const headers of [{}, bearer('admin-token'), bearer('officer-token')]) {
      const { ctx } = contextFor(Handlers, 'undeclared', headers);
      await assert.rejects(guard.canActivate(ctx), ForbiddenException);
    }
  });

  it('refuses (403) a handler of a controller that declares nothing anywhere', async () => {
    const { guard } = setup();
    const { ctx } = contextFor(NoDeclarations, 'anything', bearer('admin-token'));
    assert.equal(await statusOf(guard.canActivate(ctx)), 403);
  });

  it('lets anyone through a @Public handler without looking at credentials', async () => {
    const { guard, resolver } = setup();
    const { ctx, req } = contextFor(Handlers, 'open');
    assert.equal(await guard.canActivate(ctx), true);
    assert.equal(req.actor, undefined);
    assert.equal(resolver.calls, 0);
  });

  it('answers 401 without credentials', async () => {
    const { guard } = setup();
    const { ctx } = contextFor(Handlers, 'adminOnly');
    await assert.rejects(guard.canActivate(ctx), UnauthorizedException);
  });

  it('answers 401 for an unknown token or API key', async () => {
    const { guard } = setup();
    const attempts: Record<string, string>[] = [
      bearer('forged'),
      { 'x-api-key': 'jwk_bad' },
      { cookie: 'jw_token=forged' },
    ];
    for (const headers of attempts) {
      const { ctx } = contextFor(Handlers, 'adminOnly', headers);
      assert.equal(await statusOf(guard.canActivate(ctx)), 401, JSON.stringify(headers));
    }
  });

  it('answers 403 for a role the handler does not list', async () => {
    const { guard } = setup();
    const { ctx } = contextFor(Handlers, 'adminOnly', bearer('officer-token'));
    await assert.rejects(guard.canActivate(ctx), (err: unknown) => {
      assert.ok(err instanceof ForbiddenException);
      assert.match(err.message, /officer/);
      return true;
    });
  });

  it('lets a listed role through and puts the actor on the request', async () => {
    const { guard } = setup();
    const { ctx, req } = contextFor(Handlers, 'officersAndBanks', bearer('officer-token'));
    assert.equal(await guard.canActivate(ctx), true);
    assert.equal(req.actor?.username, 'li.officer');
  });

  it('takes a bank system by its X-Api-Key as a bank liaison', async () => {
    const { guard } = setup();
    const ok = contextFor(Handlers, 'officersAndBanks', { 'x-api-key': 'jwk_good' });
    assert.equal(await guard.canActivate(ok.ctx), true);
    assert.equal(ok.req.actor?.kind, 'api_key');
    const refused = contextFor(Handlers, 'adminOnly', { 'x-api-key': 'jwk_good' });
    assert.equal(await statusOf(guard.canActivate(refused.ctx)), 403);
  });

  it('does not take the dashboard cookie on API endpoints (headers only, so no cross-site use)', async () => {
    const { guard } = setup();
    const { ctx } = contextFor(Handlers, 'adminOnly', {
      cookie: 'theme=dark; jw_token=admin-token',
    });
    assert.equal(await statusOf(guard.canActivate(ctx)), 401);
  });

  it('applies a controller-level declaration to handlers without their own', async () => {
    const { guard } = setup();
    const officerOnClass = contextFor(DeclaredOnClass, 'inherits', bearer('officer-token'));
    assert.equal(await guard.canActivate(officerOnClass.ctx), true);
    const adminOnClass = contextFor(DeclaredOnClass, 'inherits', bearer('admin-token'));
    assert.equal(await statusOf(guard.canActivate(adminOnClass.ctx)), 403);
  });

  it('lets a handler declaration override the controller one', async () => {
    const { guard } = setup();
    const officer = contextFor(DeclaredOnClass, 'overrides', bearer('officer-token'));
    assert.equal(await statusOf(guard.canActivate(officer.ctx)), 403);
    const admin = contextFor(DeclaredOnClass, 'overrides', bearer('admin-token'));
    assert.equal(await guard.canActivate(admin.ctx), true);
  });
});
