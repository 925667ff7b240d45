import {
  ArgumentsHost,
  Catch,
  ExceptionFilter,
  HttpException,
  HttpStatus,
  Logger,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { QueryFailedError } from 'typeorm';
import { STATUS_CODES } from 'node:http';
import { ApiError, ErrorBody, FieldProblem } from './errors.js';

interface PgError {
  code?: string;
  constraint?: string;
  detail?: string;
  column?: string;
}

/**
 * PostgreSQL errors that are the caller's fault, not ours, and those a caller should simply retry:
 * a deadlock or a serialization failure aborted the whole transaction (nothing was saved), which
 * happens when concurrent writes meet on the same rows, e.g. the statistics rollup rows every
 * write of a day updates. That is a 503 with Retry-After, never a 500.
 */
export function fromDatabase(error: QueryFailedError): {
  status: number;
  message: string;
  details: FieldProblem[];
  headers?: Record<string, string>;
} | null {
  const pg = error.driverError as PgError;
  switch (pg.code) {
    case '40P01': // deadlock_detected
    case '40001': // serialization_failure
      return {
        status: 503,
        message: 'A concurrent change got in the way; nothing was saved. Please retry.',
        details: [],
        headers: { 'retry-after': '1' },
      };
    case '23505':
      return {
        status: 409,
        message: 'Already exists',
        details: [{ field: pg.constraint ?? 'unknown', problem: pg.detail ?? 'duplicate value' }],
      };
    case '23503': {
      // Services check the ids a body names; this is the last line, so it says which field in
      // the API's words (the column, camel-cased) and echoes no constraint, table or key.
      const column = /^Key \(([a-z0-9_]+)\)=/.exec(pg.detail ?? '')?.[1];
      const field = column
        ? column.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase())
        : 'body';
      return /is still referenced/.test(pg.detail ?? '')
        ? { status: 409, message: 'Still referenced by other records', details: [] }
        : {
            status: 400,
            message: `${field} refers to a record that does not exist`,
            details: [{ field, problem: 'refers to a record that does not exist' }],
          };
    }
    case '23514':
      return {
        status: 400,
        message: 'Value not allowed',
        details: [{ field: pg.constraint ?? 'unknown', problem: 'violates a check constraint' }],
      };
    case '22021': // a NUL character in text
    case '22P05': // a NUL character in jsonb
      return {
        status: 400,
        message: 'Text contains a character that cannot be stored (U+0000)',
        details: [{ field: pg.column ?? 'unknown', problem: 'contains U+0000' }],
      };
    case '22P02':
    case '22003':
    case '22007':
    case '22008':
      return {
        status: 400,
        message: 'Malformed value',
        details: [{ field: pg.column ?? 'unknown', problem: 'malformed value' }],
      };
    default:
      return null;
  }
}

/** pg-pool's errors (they carry no code) when no connection came within `connectionTimeoutMillis`. */
const POOL_TIMEOUT =
  /^(timeout exceeded when trying to connect|Connection terminated due to connection timeout)$/;

/**
 * Whether an error (or what it wraps) is the pool giving no database connection in time: every
 * connection busy for DATABASE_POOL_TIMEOUT_MS, or the server not accepting a new one. Nothing of
 * the statement ran, so it is a 503 with Retry-After like a deadlock, never a 500.
 */
export function isPoolTimeout(error: unknown): boolean {
  let e = error;
  for (let depth = 0; e instanceof Error && depth < 3; depth++) {
    if (POOL_TIMEOUT.test(e.message)) return true;
    e = e.cause;
  }
  return false;
}

/** Turns every error into the one error shape; never leaks a stack trace. */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  catch(exception: unknown, host: ArgumentsHost): void {
    // Nest wraps Fastify's own 4xx errors (bad JSON, media type) in an HttpException; unwrap them
    // so they get their details.
    if (
      exception instanceof HttpException &&
      !(exception instanceof ApiError) &&
      isFastifyClientError(exception.cause)
    ) {
      exception = exception.cause;
    }
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    let status: number = HttpStatus.INTERNAL_SERVER_ERROR;
    let message = 'Internal server error';
    let details: FieldProblem[] = [];
    let logged = 'Unhandled error';

    if (exception instanceof ApiError) {
      status = exception.getStatus();
      message = exception.message;
      details = exception.details;
      for (const [k, v] of Object.entries(exception.headers)) void reply.header(k, v);
    } else if (exception instanceof HttpException) {
      status = exception.getStatus();
      const res = exception.getResponse();
      message =
        typeof res === 'string'
          ? res
          : Array.isArray((res as { message?: unknown }).message)
            ? (res as { message: string[] }).message.join('; ')
            : String((res as { message?: unknown }).message ?? exception.message);
    } else if (exception instanceof QueryFailedError && fromDatabase(exception)) {
      const mapped = fromDatabase(exception)!;
      ({ status, message, details } = mapped);
      for (const [k, v] of Object.entries(mapped.headers ?? {})) void reply.header(k, v);
    } else if (isPoolTimeout(exception)) {
      status = HttpStatus.SERVICE_UNAVAILABLE;
      message = 'The service is busy: no database connection came free in time. Please retry.';
      logged =
        'No database connection free in time (pool exhausted or database not accepting); answered 503';
      void reply.header('retry-after', '1');
    } else if (isFastifyClientError(exception)) {
      status = exception.statusCode;
      message = exception.message;
      if (
        exception.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ||
        exception.code?.startsWith('FST_ERR_CTP')
      ) {
        details = [{ field: 'body', problem: exception.message }];
      }
    }
    if (status >= 500) {
      this.logger.error({ err: exception, requestId: request.id }, logged);
    }
    const body: ErrorBody = {
      statusCode: status,
      error: STATUS_CODES[status] ?? 'Error',
      message,
      details,
      requestId: String(request.id),
    };
    void reply.status(status).send(body);
  }
}

function isFastifyClientError(
  e: unknown,
): e is { statusCode: number; message: string; code?: string } {
  const s = (e as { statusCode?: unknown })?.statusCode;
  return typeof s === 'number' && s >= 400 && s < 500;
}
