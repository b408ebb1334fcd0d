import { INestApplication } from '@nestjs/common';
import { ApplicationConfig } from '@nestjs/core';

/**
 * nestjs-cls registers a global guard and a global interceptor even when, as here, neither is
 * mounted (the context comes from the requestContext middleware): then they are no-ops, a
 * `canActivate: () => true` and a `next.handle()`. The interceptor alone makes Nest run every
 * request's handler through an rxjs pipeline, which it skips when no interceptor is registered:
 * about 4 % of a booking's CPU (docs/performance.md). Removed here, before the routes are
 * built (app.init or listen). Only those two plain objects: every enhancer made from a class
 * stays.
 */
export function dropNoopClsEnhancers(app: INestApplication): void {
  const config = (app as unknown as { config?: ApplicationConfig }).config;
  if (!config) return;
  const drop = <T extends object>(list: T[], method: string) => {
    const at = list.findIndex((e) => isNoop(e, method));
    if (at >= 0) list.splice(at, 1);
  };
  drop(config.getGlobalInterceptors(), 'intercept');
  drop(config.getGlobalGuards(), 'canActivate');
}

function isNoop(enhancer: object, method: string): boolean {
  return (
    Object.getPrototypeOf(enhancer) === Object.prototype &&
    Object.keys(enhancer).length === 1 &&
    typeof (enhancer as Record<string, unknown>)[method] === 'function'
  );
}
