import {
  applyDecorators,
  CanActivate,
  ExecutionContext,
  Inject,
  Injectable,
  UnauthorizedException,
  UseGuards,
} from '@nestjs/common';
import { ApiBearerAuth } from '@nestjs/swagger';
import { NextFunction, Request, Response } from 'express';
import { APP_CONFIG, AppConfig } from '../config/app.config';
import { ApiError } from '../http/api-error';
import { StaffTokens, UNAUTHORIZED_MESSAGE } from './staff-tokens';

/**
 * Staff endpoints (spec §9) need `Authorization: Bearer <token>` when ADMIN_TOKENS is set. A
 * guard runs before pipes and handlers, so a refused request writes nothing.
 */
@Injectable()
export class StaffGuard implements CanActivate {
  private readonly tokens: StaffTokens;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.tokens = new StaffTokens(config.security.adminTokens);
  }

  canActivate(context: ExecutionContext): boolean {
    const http = context.switchToHttp();
    if (this.tokens.accepts(http.getRequest<Request>().get('authorization'))) return true;
    http.getResponse<Response>().setHeader('WWW-Authenticate', 'Bearer');
    throw new UnauthorizedException(UNAUTHORIZED_MESSAGE);
  }
}

/** On a staff controller or route: the guard, and the bearer scheme and 401 in the OpenAPI. */
export const StaffOnly = () =>
  applyDecorators(
    UseGuards(StaffGuard),
    ApiBearerAuth(),
    ApiError(
      401,
      'ADMIN_TOKENS is set and no staff token came with the request',
      UNAUTHORIZED_MESSAGE,
    ),
  );

/** The same rule for what is not a Nest route (Swagger UI and its JSON). */
export function staffOnly(config: AppConfig) {
  const tokens = new StaffTokens(config.security.adminTokens);
  return (req: Request, res: Response, next: NextFunction): void => {
    if (tokens.accepts(req.get('authorization'))) return next();
    res
      .status(401)
      .setHeader('WWW-Authenticate', 'Bearer')
      .json({ statusCode: 401, error: 'Unauthorized', message: UNAUTHORIZED_MESSAGE });
  };
}
