import {
  applyDecorators,
  ExecutionContext,
  HttpException,
  HttpStatus,
  Injectable,
  UseGuards,
} from '@nestjs/common';
import { ThrottlerGuard, ThrottlerLimitDetail, ThrottlerModule } from '@nestjs/throttler';

import { AppConfig } from '../config/app.config';
import { ApiError } from '../http/api-error';

/**
 * RATE_LIMIT_PER_MINUTE per client address (spec §9), counted in this process's memory: N api
 * processes behind a balancer let a client through N times as often. The client address is
 * Express's req.ip, so X-Forwarded-For counts only as far as TRUST_PROXY says.
 */
export function rateLimitModule(config: AppConfig) {
  const limit = config.security.rateLimitPerMinute;
  return ThrottlerModule.forRoot({
    // 'default': the answer carries a plain Retry-After (named throttlers get a suffix).
    throttlers: [{ name: 'default', ttl: 60_000, limit: limit ?? Number.MAX_SAFE_INTEGER }],
    skipIf: () => limit === undefined,
  });
}

/** 429 in the API's error shape; ThrottlerGuard has set Retry-After (seconds) already. */
@Injectable()
export class CustomerRateLimitGuard extends ThrottlerGuard {
  protected async throwThrottlingException(
    _context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    throw new HttpException(
      {
        statusCode: HttpStatus.TOO_MANY_REQUESTS,
        error: 'Too Many Requests',
        message: `more than ${detail.limit} requests a minute from this address; retry after ${detail.timeToBlockExpire} s`,
      },
      HttpStatus.TOO_MANY_REQUESTS,
    );
  }
}

/** On a customers' endpoint: the limit, and its 429 in the OpenAPI. */
export const CustomerRateLimit = () =>
  applyDecorators(
    UseGuards(CustomerRateLimitGuard),
    ApiError(
      429,
      'RATE_LIMIT_PER_MINUTE is set and this address sent more in the last minute; see Retry-After',
      'more than 60 requests a minute from this address; retry after 42 s',
    ),
  );
