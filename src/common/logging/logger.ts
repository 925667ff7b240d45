import { LoggerService } from '@nestjs/common';
import pino, { Logger as Pino } from 'pino';
import { requestContext } from '../context/request-context.js';

/**
 * JSON logs through pino. nestjs-pino 5 needs Node 22 and 4.x stops at NestJS 11, so this is the
 * small part of it we need: one pino instance shared by Fastify (request logs) and Nest (app logs),
 * with the request id of the current request on every line (from AsyncLocalStorage).
 */
export function createPino(level: string): Pino {
  return pino({
    level,
    base: { service: 'jingwang' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: ['req.headers.authorization', 'req.headers["x-api-key"]', 'req.headers.cookie'],
      remove: true,
    },
    mixin() {
      const ctx = requestContext.get();
      return ctx ? { requestId: ctx.requestId } : {};
    },
  });
}

export class PinoLoggerService implements LoggerService {
  constructor(private readonly pino: Pino) {}

  private write(
    level: 'info' | 'error' | 'warn' | 'debug' | 'trace' | 'fatal',
    message: unknown,
    rest: unknown[],
  ) {
    const context =
      rest.length && typeof rest[rest.length - 1] === 'string' ? (rest.pop() as string) : undefined;
    if (message && typeof message === 'object' && !(message instanceof Error)) {
      const [msg] = rest as [string?];
      this.pino[level]({ context, ...(message as object) }, msg);
    } else if (message instanceof Error) {
      this.pino[level]({ context, err: message }, message.message);
    } else {
      const stack = level === 'error' && typeof rest[0] === 'string' ? rest[0] : undefined;
      this.pino[level]({ context, ...(stack ? { stack } : {}) }, String(message));
    }
  }

  log(message: unknown, ...rest: unknown[]) {
    this.write('info', message, rest);
  }
  error(message: unknown, ...rest: unknown[]) {
    this.write('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]) {
    this.write('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]) {
    this.write('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]) {
    this.write('trace', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]) {
    this.write('fatal', message, rest);
  }
}
