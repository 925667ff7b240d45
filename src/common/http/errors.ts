import { ApiProperty } from '@nestjs/swagger';
import { HttpException, HttpStatus } from '@nestjs/common';

export class FieldProblem {
  @ApiProperty({ example: 'username', description: 'Path of the offending field' })
  field!: string;
  @ApiProperty({ example: 'must be 3-64 lower-case letters, digits, . _ or -' })
  problem!: string;
}

/** The one error shape of the API (docs/ARCHITECTURE.md, API conventions). */
export class ErrorBody {
  @ApiProperty({ example: 400 })
  statusCode!: number;
  @ApiProperty({ example: 'Bad Request' })
  error!: string;
  @ApiProperty({ example: 'Validation failed' })
  message!: string;
  @ApiProperty({ type: [FieldProblem] })
  details!: FieldProblem[];
  @ApiProperty({ example: '6c1f7a0e-4f2b-4f5e-9a51-2a8f0b1f3c11' })
  requestId!: string;
}

/** Throw for errors that carry field details; everything else uses Nest's HttpExceptions. */
export class ApiError extends HttpException {
  constructor(
    status: HttpStatus,
    message: string,
    readonly details: FieldProblem[] = [],
    /** Extra response headers, e.g. Retry-After on a 429. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message, status);
  }
}

export const badRequest = (field: string, problem: string) =>
  new ApiError(HttpStatus.BAD_REQUEST, `${field} ${problem}`, [{ field, problem }]);

export const conflict = (message: string, details: FieldProblem[] = []) =>
  new ApiError(HttpStatus.CONFLICT, message, details);
