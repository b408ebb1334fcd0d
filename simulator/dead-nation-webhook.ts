import { randomUUID } from 'node:crypto';
import axios, { AxiosError } from 'axios';
import axiosRetry, { isNetworkError } from 'axios-retry';
import { Logger } from 'pino';
import { Webhook } from 'standardwebhooks';
import { DeadNationTicket, SimulatorState, WebhookRecord } from './simulator-state';
import { SimulatorSettings } from './simulator-settings';

/** What the call that caused a webhook carried, so the webhook continues its correlation. */
export interface WebhookOrigin {
  correlationId?: string;
  traceparent?: string;
  tracestate?: string;
}

const appIsDown = (e: AxiosError) =>
  (e.response?.status ?? 0) >= 500 ||
  e.code === 'ECONNABORTED' ||
  e.code === 'ETIMEDOUT' ||
  isNetworkError(e);

/**
 * Dead Nation's webhook: `POST {app_url}/api/tickets-status` with a fresh Idempotency-Key, sent
 * `repeats` times with that same key, each send retried with backoff while the app answers 5xx
 * or cannot be reached (at most `max_attempts`). A 4xx stops it: the app refused the content.
 */
export class DeadNationWebhook {
  // No redirects: app_url is checked (loopback), a redirect would lead anywhere.
  private readonly http = axios.create({
    transitional: { clarifyTimeoutError: true },
    maxRedirects: 0,
  });
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly abort = new AbortController();
  private readonly signer?: Webhook;

  /** `secret` (whsec_…, DEAD_NATION_WEBHOOK_SECRET): each attempt is signed, as spec §9 asks. */
  constructor(
    private readonly settings: SimulatorSettings,
    private readonly state: SimulatorState,
    private readonly log: Logger,
    secret?: string,
  ) {
    axiosRetry(this.http, { shouldResetTimeout: true, retryCondition: appIsDown });
    if (secret) this.signer = new Webhook(secret);
  }

  /** Standard Webhooks headers for `payload` now; a retry signs again, its timestamp fresh. */
  private signature(id: string, payload: string): Record<string, string> {
    if (!this.signer) return {};
    const now = new Date();
    return {
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
      'webhook-signature': this.signer.sign(id, now, payload),
    };
  }

  send(
    kind: WebhookRecord['kind'],
    tickets: DeadNationTicket[],
    origin: WebhookOrigin,
  ): WebhookRecord {
    const record: WebhookRecord = {
      idempotency_key: randomUUID(),
      kind,
      booking_id: tickets[0]?.booking_id ?? null,
      body: { tickets: tickets.map((t) => ({ ...t, status: kind })) },
      sends: this.settings.webhook.repeats,
      delivered: 0,
      outcome: 'pending',
      sent_at: null,
      attempts: [],
    };
    this.state.webhooks.push(record);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.deliverAll(record, origin);
    }, this.settings.webhook.delay_ms);
    this.timers.add(timer);
    return record;
  }

  close(): void {
    this.abort.abort();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private async deliverAll(record: WebhookRecord, origin: WebhookOrigin): Promise<void> {
    for (let send = 1; send <= record.sends && !this.abort.signal.aborted; send++) {
      const outcome = await this.deliver(record, send, origin);
      if (outcome !== 'delivered') {
        record.outcome = outcome;
        return;
      }
      record.delivered++;
    }
    record.outcome = record.delivered === record.sends ? 'delivered' : 'failed';
  }

  private async deliver(
    record: WebhookRecord,
    send: number,
    origin: WebhookOrigin,
  ): Promise<'delivered' | 'rejected' | 'failed'> {
    const w = this.settings.webhook;
    const note = (status: number | null, error?: string) =>
      record.attempts.push({
        send,
        attempt: record.attempts.filter((a) => a.send === send).length + 1,
        at: new Date().toISOString(),
        status,
        ...(error ? { error } : {}),
      });
    // Sent as these very bytes: the signature is over the raw body.
    const payload = JSON.stringify(record.body);
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      ...this.signature(record.idempotency_key, payload),
      'Idempotency-Key': record.idempotency_key,
      'Correlation-ID': origin.correlationId ?? randomUUID(),
      ...(origin.traceparent ? { traceparent: origin.traceparent } : {}),
      ...(origin.tracestate ? { tracestate: origin.tracestate } : {}),
    };
    record.sent_at ??= new Date().toISOString();
    try {
      const answer = await this.http.post(`${w.app_url}/api/tickets-status`, payload, {
        headers,
        timeout: w.timeout_ms,
        signal: this.abort.signal,
        'axios-retry': {
          retries: w.max_attempts - 1,
          retryDelay: (n) => Math.min(w.retry_initial_ms * 2 ** (n - 1), w.retry_max_ms),
          onRetry: (_n, e, config) => {
            note(e.response?.status ?? null, e.response ? undefined : e.code);
            Object.assign(config.headers ?? {}, this.signature(record.idempotency_key, payload));
          },
        },
      });
      note(answer.status);
      return 'delivered';
    } catch (e) {
      const status = axios.isAxiosError(e) ? (e.response?.status ?? null) : null;
      const code = axios.isAxiosError(e) ? e.code : undefined;
      note(status, status === null ? (code ?? String((e as Error).message)) : undefined);
      const rejected = status !== null && status < 500;
      this.log.warn(
        {
          correlation_id: headers['Correlation-ID'],
          idempotency_key: record.idempotency_key,
          send,
          status,
          error: (e as Error).message,
        },
        rejected ? 'the app rejected the Dead Nation webhook' : 'Dead Nation webhook not delivered',
      );
      return rejected ? 'rejected' : 'failed';
    }
  }
}
