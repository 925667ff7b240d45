import 'reflect-metadata';
import { IsOptional } from 'class-validator';

/**
 * `null` in a request body. class-validator's `@IsOptional()` lets null through like a missing
 * field, and the services would store it (a NOT NULL column: a 500) or misread it. So the global
 * validation pipe (common/http/validation.ts) refuses every null that reaches a DTO field, with a
 * 400 naming the field, unless the field is `@Clearable()`: null there means "clear the value".
 * A field is clearable only where the column may hold null and clearing it means something.
 */
const CLEARABLE = 'jingwang:clearable';

/** An optional field that null clears (stored as null); the service must store null as such. */
export function Clearable(): PropertyDecorator {
  return (target, key) => {
    Reflect.defineMetadata(CLEARABLE, true, target, key);
    IsOptional()(target, key);
  };
}

/** Whether `key` of this DTO instance (or its class's parents) is `@Clearable()`. */
export function isClearable(instance: object, key: string): boolean {
  return Reflect.getMetadata(CLEARABLE, instance, key) === true;
}
