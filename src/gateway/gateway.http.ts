import axios, { AxiosError, AxiosInstance, AxiosRequestConfig, AxiosResponse } from 'axios';
import axiosRetry, { isNetworkError } from 'axios-retry';
import { outgoingHeaders } from '../platform/context/request-context';
import { GatewayError } from './gateway.error';
import { GatewayOptions } from './gateway.options';

export interface GatewayRequest extends Pick<
  AxiosRequestConfig,
  'method' | 'url' | 'data' | 'headers'
> {
  /** Statuses besides 2xx that are answers, not errors (e.g. Files 409 = exists). */
  accept?: number[];
  /**
   * False for a call that is not idempotent: a timeout, a reset connection or a 5xx may hide a
   * write that happened, so only a refused connection (surely nothing done) is retried here; the
   * caller decides about the rest (e.g. by reading back).
   */
  retryUnknownOutcome?: boolean;
}

const isTimeout = (e: AxiosError) => e.code === 'ECONNABORTED' || e.code === 'ETIMEDOUT';
const isServerError = (e: AxiosError) => (e.response?.status ?? 0) >= 500;

/** 5xx, timeouts and network errors: a later attempt may succeed. */
export const isTransient = (e: AxiosError) => isServerError(e) || isTimeout(e) || isNetworkError(e);
/** Failures after which the request surely had no effect: it never reached the service. */
const hadNoEffect = (e: AxiosError) => e.code === 'ECONNREFUSED';

/**
 * The one HTTP setup every gateway client shares: base URL, a timeout per attempt, retries with
 * exponential backoff (axios-retry) on transient failures only, the Correlation-ID and trace
 * headers, and errors turned into GatewayError naming the call.
 */
export class GatewayHttp {
  private readonly http: AxiosInstance;

  constructor(readonly options: GatewayOptions) {
    this.http = axios.create({
      baseURL: options.baseUrl,
      timeout: options.timeoutMs,
      transitional: { clarifyTimeoutError: true },
    });
    axiosRetry(this.http, {
      retries: options.retries,
      shouldResetTimeout: true,
      retryCondition: isTransient,
      retryDelay: (retry) =>
        Math.min(options.retryBaseMs * 2 ** (retry - 1), options.retryMaxMs) *
        (1 + 0.2 * Math.random()),
    });
  }

  async send<T>(call: string, request: GatewayRequest): Promise<AxiosResponse<T>> {
    const { accept = [], retryUnknownOutcome = true, ...config } = request;
    try {
      return await this.http.request<T>({
        ...config,
        // Computed once, so every retry of this call carries the same Correlation-ID.
        headers: { ...outgoingHeaders(), ...(config.headers as Record<string, string>) },
        validateStatus: (s) => (s >= 200 && s < 300) || accept.includes(s),
        'axios-retry': retryUnknownOutcome ? undefined : { retryCondition: hadNoEffect },
      });
    } catch (e) {
      throw this.toGatewayError(call, e);
    }
  }

  private toGatewayError(call: string, e: unknown): GatewayError {
    if (!axios.isAxiosError(e)) {
      return new GatewayError(call, String((e as Error)?.message ?? e), undefined, false, 1);
    }
    const attempts = (e.config?.['axios-retry']?.retryCount ?? 0) + 1;
    if (e.response) {
      const status = e.response.status;
      return new GatewayError(call, reasonOf(e.response.data), status, status >= 500, attempts);
    }
    const reason = isTimeout(e)
      ? `timed out after ${e.config?.timeout ?? this.options.timeoutMs} ms`
      : `${e.code ?? 'network error'} ${e.message}`.trim();
    return new GatewayError(call, reason, undefined, isTransient(e), attempts);
  }
}

/** The service's own words: `{"error": …}`, `{"message": …}` or a plain text body. */
function reasonOf(body: unknown): string {
  let reason: unknown = body;
  if (body && typeof body === 'object') {
    const b = body as Record<string, unknown>;
    reason = b.error ?? b.message ?? JSON.stringify(body);
  }
  const text = typeof reason === 'string' ? reason : JSON.stringify(reason);
  return (text || 'no reason given').slice(0, 300);
}
