import { NextFunction, Request, RequestHandler, Response } from 'express';
import { Logger } from 'pino';
import { DeadNationWebhook } from './dead-nation-webhook';
import { FaultInjector } from './fault-injector';
import { RecordedRequest, SimulatorState } from './simulator-state';
import { PatchRules, ServiceName, SimulatorSettings } from './simulator-settings';

/** Everything the routes share. */
export class SimulatorContext {
  readonly state = new SimulatorState();
  readonly faults: FaultInjector;
  readonly webhook: DeadNationWebhook;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    readonly settings: SimulatorSettings,
    readonly log: Logger,
    webhookSecret?: string,
    readonly rules: PatchRules = {},
  ) {
    this.faults = new FaultInjector(settings);
    this.webhook = new DeadNationWebhook(settings, this.state, log, webhookSecret);
  }

  /** A delay that close() cancels, so a held call never keeps a test process alive. */
  after(ms: number, then: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      then();
    }, ms);
    this.timers.add(timer);
  }

  close(): void {
    this.webhook.close();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}

export interface Answer {
  status: number;
  json?: unknown;
  text?: string;
}

export interface Endpoint<T> {
  /** Throws InvalidRequest (400) before anything happens. */
  validate(req: Request): T;
  /** What the call is about, for the raw-call counts (`GET /_sim/calls`). */
  key(input: T): string;
  apply(input: T, req: Request): Answer;
}

/**
 * One service call: added latency, validation (400 naming the field), then the configured fault
 * (500 or a dropped call) before or after the effect, then the answer.
 */
export function serve<T>(
  ctx: SimulatorContext,
  service: ServiceName,
  endpoint: Endpoint<T>,
): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const run = () => {
      try {
        const input = endpoint.validate(req);
        countCall(ctx, service, endpoint.key(input), req, res);
        const fault = ctx.faults.draw(service);
        const afterEffect = ctx.settings.faults[service].after_effect;
        const answer = fault && !afterEffect ? null : endpoint.apply(input, req);
        if (fault) return misbehave(ctx, service, fault, req, res);
        send(res, answer!);
      } catch (e) {
        next(e);
      }
    };
    const latency = ctx.settings.faults[service].latency_ms;
    if (latency > 0) ctx.after(latency, run);
    else run();
  };
}

function countCall(
  ctx: SimulatorContext,
  service: ServiceName,
  key: string,
  req: Request,
  res: Response,
): void {
  const count = ctx.state.countCall(service, `${req.method} ${req.baseUrl}${req.route.path}`, key);
  const record = res.locals.record as RecordedRequest | undefined;
  if (record) record.key = key;
  // A dropped call never finishes; a simulated 500 finishes with its fault recorded.
  res.on('finish', () => {
    if (!record?.fault) count.answered++;
  });
}

function misbehave(
  ctx: SimulatorContext,
  service: ServiceName,
  fault: 'error' | 'timeout',
  req: Request,
  res: Response,
): void {
  const record = res.locals.record as RecordedRequest | undefined;
  if (record) record.fault = fault;
  if (fault === 'error') {
    res.status(500).json({ error: `simulated failure of ${service}` });
    return;
  }
  ctx.after(ctx.settings.timeout_hold_ms, () => req.socket.destroy());
}

export function send(res: Response, answer: Answer): void {
  res.status(answer.status);
  if (answer.text !== undefined) res.type('text/plain').send(answer.text);
  else res.json(answer.json ?? {});
}
