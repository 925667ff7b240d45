import { HttpStatus, ValidationError, ValidationPipe } from '@nestjs/common';
import type { ValidatorOptions } from 'class-validator';
import { isClearable } from '../validation/optional.js';
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

const NOT_NULL = 'must not be null; leave the field out instead';

/**
 * The nulls of a DTO instance that passed its validators, i.e. in optional fields, other than
 * in `@Clearable()` ones (see common/validation/optional.ts), as validation errors.
 */
function refusedNulls(value: object): ValidationError[] {
  const errors: ValidationError[] = [];
  for (const [key, v] of Object.entries(value)) {
    if (v === null && (Array.isArray(value) || !isClearable(value, key))) {
      errors.push({ property: key, constraints: { notNull: NOT_NULL } });
    } else if (typeof v === 'object' && v !== null) {
      const children = refusedNulls(v as object);
      if (children.length) errors.push({ property: key, children });
    }
  }
  return errors;
}

class ApiValidationPipe extends ValidationPipe {
  protected override async validate(
    object: object,
    validatorOptions?: ValidatorOptions,
  ): Promise<ValidationError[]> {
    const errors = await super.validate(object, validatorOptions);
    return errors.length ? errors : refusedNulls(object);
  }
}

/**
 * Global pipe: unknown fields are rejected, payloads are transformed into DTO instances, and null
 * is refused where a field is not `@Clearable()`.
 */
export function createValidationPipe(): ValidationPipe {
  return new ApiValidationPipe({
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
