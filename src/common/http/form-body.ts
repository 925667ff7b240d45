import { HttpStatus } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyRequest } from 'fastify';
import { ApiError } from './errors.js';

/** The largest HTML form body accepted: the pages' forms carry one short token. */
const FORM_MAX_BYTES = 4 * 1024;

/**
 * HTML form posts (application/x-www-form-urlencoded), for the pages people open on their phones
 * (/m/…) only: the API itself takes JSON, and answers any other route's form body with a 415 as
 * before. Fields become an object of strings (a repeated field keeps its last value).
 */
export function installFormBody(app: NestFastifyApplication): void {
  app.useBodyParser(
    'application/x-www-form-urlencoded',
    { bodyLimit: FORM_MAX_BYTES },
    (req: FastifyRequest, body: Buffer, done) => {
      if (!req.url.startsWith('/m/'))
        return done(
          new ApiError(HttpStatus.UNSUPPORTED_MEDIA_TYPE, 'Send the body as application/json'),
          undefined,
        );
      done(null, Object.fromEntries(new URLSearchParams(body.toString('utf8'))));
    },
  );
}
