import { AppConfig, ConfigError } from '../config/app.config';

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

export const GATEWAY_DEFAULTS: Omit<GatewayOptions, 'baseUrl'> = {
  timeoutMs: 5000,
  retries: 3,
  retryBaseMs: 100,
  retryMaxMs: 2000,
};

const ENV_NAMES = {
  timeoutMs: 'GATEWAY_TIMEOUT_MS',
  retries: 'GATEWAY_RETRIES',
  retryBaseMs: 'GATEWAY_RETRY_BASE_MS',
  retryMaxMs: 'GATEWAY_RETRY_MAX_MS',
} as const;

/**
 * The clients' settings: base URL from the validated config; timeout and retries from
 * `config.gateway` when the config carries it, else from GATEWAY_* variables, else defaults.
 */
export function gatewayOptionsFrom(
  config: AppConfig & { gateway?: Partial<Omit<GatewayOptions, 'baseUrl'>> },
  env: NodeJS.ProcessEnv = process.env,
): GatewayOptions {
  const options: GatewayOptions = { baseUrl: config.gatewayUrl, ...GATEWAY_DEFAULTS };
  for (const key of Object.keys(ENV_NAMES) as Array<keyof typeof ENV_NAMES>) {
    const fromConfig = config.gateway?.[key];
    const raw = env[ENV_NAMES[key]];
    if (fromConfig !== undefined) options[key] = fromConfig;
    else if (raw !== undefined && raw !== '') {
      const value = Number(raw);
      const min = key === 'retries' ? 0 : 1;
      if (!Number.isInteger(value) || value < min) {
        throw new ConfigError(
          `Invalid configuration: ${ENV_NAMES[key]}: must be an integer of at least ${min} (got "${raw}")`,
        );
      }
      options[key] = value;
    }
  }
  return options;
}
