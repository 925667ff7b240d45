import { Param, ParseUUIDPipe } from '@nestjs/common';
import { ApiParam } from '@nestjs/swagger';
import { badRequest } from './errors.js';

/** A UUID path parameter; anything else is a 400 naming the parameter. Documented as such. */
export const IdParam =
  (name = 'id'): ParameterDecorator =>
  (target, key, index) => {
    Param(name, new ParseUUIDPipe({ exceptionFactory: () => badRequest(name, 'must be a UUID') }))(
      target,
      key,
      index,
    );
    const method = key === undefined ? undefined : Object.getOwnPropertyDescriptor(target, key);
    if (key !== undefined && method)
      ApiParam({
        name,
        format: 'uuid',
        description:
          name === 'id'
            ? 'Id (UUID) of the record the path names'
            : `Id (UUID) of the ${name.replace(/Id$/, '')}`,
      })(target, key, method);
  };
