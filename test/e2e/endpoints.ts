import { RequestMethod, Type } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance, HTTPMethods } from 'fastify';
import { ALLOW_KEY, Allowed, PUBLIC } from '../../src/common/auth/allow.decorator.js';
import type { Role } from '../../src/common/auth/roles.js';

/** One route of the app as its controller declares it, with the roles its @Allow/@Public names. */
export interface Endpoint {
  method: string;
  /** The path Fastify serves, with the global prefix and `:params`. */
  path: string;
  /** `public`, the sorted roles, or null when the handler declares nothing. */
  roles: typeof PUBLIC | Role[] | null;
}

const join = (...parts: string[]) =>
  ('/' + parts.filter(Boolean).join('/')).replace(/\/+/g, '/').replace(/(.)\/$/, '$1');

const asList = (v: unknown): string[] => (Array.isArray(v) ? (v as string[]) : [String(v ?? '')]);

/**
 * Walks every controller Nest registered and reads each handler's route and role declaration the
 * way the AuthGuard does (handler first, then controller). Each route is checked against Fastify's
 * route table, so the path is the one clients call (global prefix or not).
 */
export function discoverEndpoints(app: NestFastifyApplication): Endpoint[] {
  const discovery = app.get(DiscoveryService);
  const reflector = app.get(Reflector);
  const scanner = new MetadataScanner();
  const fastify = app.getHttpAdapter().getInstance() as unknown as FastifyInstance;
  const endpoints: Endpoint[] = [];
  for (const wrapper of discovery.getControllers()) {
    const cls = wrapper.metatype as Type | null;
    if (!cls) continue;
    const bases = asList(Reflect.getMetadata(PATH_METADATA, cls));
    const proto = cls.prototype as Record<string, unknown>;
    for (const name of scanner.getAllMethodNames(proto)) {
      const handler = proto[name] as (...args: unknown[]) => unknown;
      const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
      if (method === undefined) continue;
      const allowed = reflector.getAllAndOverride<Allowed | undefined>(ALLOW_KEY, [handler, cls]);
      const roles =
        allowed === undefined ? null : allowed === PUBLIC ? PUBLIC : [...allowed].sort();
      const verb = RequestMethod[method];
      for (const base of bases) {
        for (const sub of asList(Reflect.getMetadata(PATH_METADATA, handler))) {
          const local = join(base, sub);
          const path = [join('api/v1', local), local].find((url) =>
            fastify.hasRoute({ method: (verb === 'ALL' ? 'GET' : verb) as HTTPMethods, url }),
          );
          if (!path)
            throw new Error(`${verb} ${local} (${cls.name}.${name}) is not a Fastify route`);
          endpoints.push({ method: verb, path, roles });
        }
      }
    }
  }
  return endpoints.sort((a, b) =>
    a.path === b.path ? a.method.localeCompare(b.method) : a.path < b.path ? -1 : 1,
  );
}

export const endpointKey = (e: Pick<Endpoint, 'method' | 'path'>) => `${e.method} ${e.path}`;
