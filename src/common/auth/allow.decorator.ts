import { SetMetadata } from '@nestjs/common';
import { ApiBearerAuth } from '@nestjs/swagger';
import { applyDecorators } from '@nestjs/common';
import { ApiErrors } from '../http/api-errors.js';
import { Role } from './roles.js';

export const ALLOW_KEY = 'jw:allow';
/** Marker stored for endpoints open to anyone (login, health). */
export const PUBLIC = 'public';
export type Allowed = readonly Role[] | typeof PUBLIC;

/**
 * Declares which roles may call an endpoint. The global AuthGuard enforces it; an endpoint with no
 * declaration is refused for everyone.
 */
export function Allow(...roles: [Role, ...Role[]]) {
  return applyDecorators(
    SetMetadata(ALLOW_KEY, roles),
    ApiBearerAuth(),
    ApiErrors(
      { status: 401, description: 'No or invalid credentials' },
      { status: 403, description: `Allowed roles: ${roles.join(', ')}` },
    ),
  );
}

/** Declares an endpoint open without credentials. */
export function Public() {
  return SetMetadata(ALLOW_KEY, PUBLIC);
}
