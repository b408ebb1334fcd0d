import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiResponse } from '@nestjs/swagger';
import { BODY_LIMIT, sizeOf } from './http-body';

/** The error body every failure answers with (NestJS's usual shape, spec §2). */
export class ApiErrorBody {
  @ApiProperty({ example: 400 })
  statusCode: number;

  @ApiProperty({ example: 'Bad Request' })
  error: string;

  @ApiProperty({
    description: 'What is wrong, naming the field and the rule (one string per broken rule)',
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
    example: ['number_of_tickets must not be less than 1'],
  })
  message: string | string[];
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
};

/** Documents one error status of an endpoint with an example body. */
export function ApiError(status: number, description: string, message: string | string[]) {
  return ApiResponse({
    status,
    description,
    type: ApiErrorBody,
    example: { statusCode: status, error: REASONS[status] ?? 'Error', message },
  });
}

/** The errors every endpoint with a JSON body shares; `limit` is its body limit in bytes. */
export function ApiJsonBodyErrors(limit = BODY_LIMIT) {
  const tooLarge = `the body is larger than ${sizeOf(limit)}`;
  return applyDecorators(
    ApiError(413, `The body is over ${sizeOf(limit)}`, tooLarge),
    ApiError(415, 'The body is not application/json', 'Content-Type must be application/json'),
  );
}
