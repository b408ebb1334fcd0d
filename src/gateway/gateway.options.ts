import { AppConfig } from '../platform/config/app.config';

export interface GatewayOptions {
  baseUrl: string;
  /** Per attempt. */
  timeoutMs: number;
  /** Retries after the first attempt, on 5xx, timeouts and network errors only. */
  retries: number;
  /** First backoff delay; it doubles per retry (plus up to 20% jitter), capped at retryMaxMs. */
  retryBaseMs: number;
  retryMaxMs: number;
}

export const GATEWAY_OPTIONS = Symbol('GATEWAY_OPTIONS');

/** The clients' settings, from the validated config (GATEWAY_URL and GATEWAY_* variables). */
export function gatewayOptionsFrom(config: AppConfig): GatewayOptions {
  return { baseUrl: config.gatewayUrl, ...config.gateway };
}
