import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { ErrorBody } from './errors.js';

/** What each documented error status means across the API; every one answers the same ErrorBody. */
const MEANING = {
  400: 'Invalid input: `details` names each offending field and the problem',
  401: 'No valid bearer token or bank API key',
  403: "The caller's role or unit may not do this",
  404: 'No such record, or not within the caller’s unit subtree',
  408: 'The upload stopped sending: nothing of it is kept; send it again',
  409: 'The record is not in a state that allows this (or it would duplicate another)',
  413: 'The request body or upload is larger than this endpoint accepts',
  429: 'Too many requests: wait for the Retry-After header’s seconds',
  503: 'Something this endpoint needs is not available on this server (the message says what)',
} as const;

export type ErrorStatus = keyof typeof MEANING;

/**
 * Documents error responses with the one error shape, e.g. `@ApiErrors(400, 404, 409)` on a method
 * or on a controller (then it applies to every operation in it). `{ status, description }` replaces
 * the generic meaning of a status with this endpoint's own.
 */
export function ApiErrors(
  ...statuses: (ErrorStatus | { status: ErrorStatus; description: string })[]
): ClassDecorator & MethodDecorator {
  // Errors are JSON even where the success is CSV, HTML or a file (`type` would take @ApiProduces').
  const content = { 'application/json': { schema: { $ref: getSchemaPath(ErrorBody) } } };
  return applyDecorators(
    ApiExtraModels(ErrorBody),
    ...statuses.map((s) =>
      typeof s === 'number'
        ? ApiResponse({ status: s, description: MEANING[s], content })
        : ApiResponse({ status: s.status, description: s.description, content }),
    ),
  );
}
