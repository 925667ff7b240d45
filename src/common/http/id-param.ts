import { Param, ParseUUIDPipe } from '@nestjs/common';
import { badRequest } from './errors.js';

/** A UUID path parameter; anything else is a 400 naming the parameter. */
export const IdParam = (name = 'id') =>
  Param(name, new ParseUUIDPipe({ exceptionFactory: () => badRequest(name, 'must be a UUID') }));
