import {
  ArgumentMetadata,
  HttpStatus,
  Type,
  ValidationError,
  ValidationPipe,
} from '@nestjs/common';
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

const isEmptyObject = (value: unknown): value is object =>
  typeof value === 'object' &&
  value !== null &&
  !Array.isArray(value) &&
  !Object.keys(value).length;

class ApiValidationPipe extends ValidationPipe {
  /**
   * DTO classes an empty object passed, giving an instance with every field undefined (no
   * defaults, nothing transformed in), which is what `new` gives. The same empty object always gives the same answer, so it is checked once per
   * class: a GET without a query string (`GET /cases/:id` and its `RevealQuery`) then skips
   * class-transformer and class-validator, ≈ 8 % of that request's CPU.
   */
  private readonly emptyPasses = new WeakSet<Type<unknown>>();

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const metatype = metadata.metatype;
    const empty = metatype !== undefined && isEmptyObject(value);
    if (empty && this.emptyPasses.has(metatype)) return new metatype();
    const result: unknown = await super.transform(value, metadata);
    if (
      empty &&
      this.toValidate(metadata) &&
      result instanceof metatype &&
      Object.getPrototypeOf(result) === metatype.prototype &&
      Object.values(result).every((v) => v === undefined)
    )
      this.emptyPasses.add(metatype);
    return result;
  }

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
