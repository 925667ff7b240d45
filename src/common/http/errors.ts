import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { HttpException, HttpStatus } from '@nestjs/common';

@ApiSchema({ description: 'One invalid input field and what is wrong with it' })
export class FieldProblem {
  @ApiProperty({ example: 'username', description: 'Path of the offending field' })
  field!: string;
  @ApiProperty({
    description: 'What is wrong with the value',
    example: 'must be 3-64 lower-case letters, digits, . _ or -',
  })
  problem!: string;
}

/** The one error shape of the API (docs/ARCHITECTURE.md, API conventions). */
@ApiSchema({ description: 'The one error shape of the API, for every 4xx and 5xx' })
export class ErrorBody {
  @ApiProperty({ description: 'HTTP status code', example: 400 })
  statusCode!: number;
  @ApiProperty({ description: 'HTTP status text', example: 'Bad Request' })
  error!: string;
  @ApiProperty({ description: 'What went wrong, in one sentence', example: 'Validation failed' })
  message!: string;
  @ApiProperty({
    description: 'One entry per invalid field; empty when no field is at fault',
    type: [FieldProblem],
  })
  details!: FieldProblem[];
  @ApiProperty({
    description: 'The request’s id, also in the x-request-id header and the server log',
    example: '6c1f7a0e-4f2b-4f5e-9a51-2a8f0b1f3c11',
  })
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
