import { HttpStatus, ValidationError, ValidationPipe } from '@nestjs/common';
import { ApiError, FieldProblem } from './errors.js';

function flatten(errors: ValidationError[], parent = ''): FieldProblem[] {
  return errors.flatMap((e) => {
    const field = parent ? `${parent}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((problem) => ({
      field,
      problem: problem.startsWith(`${e.property} `)
        ? problem.slice(e.property.length + 1)
        : problem,
    }));
    return [...own, ...flatten(e.children ?? [], field)];
  });
}

/** Global pipe: unknown fields are rejected, payloads are transformed into DTO instances. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => {
      const details = flatten(errors);
      return new ApiError(
        HttpStatus.BAD_REQUEST,
        details.map((d) => `${d.field} ${d.problem}`).join('; ') || 'Validation failed',
        details,
      );
    },
  });
}
