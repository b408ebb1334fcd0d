import { AddressInfo } from 'node:net';
import express, { NextFunction, Request, Response } from 'express';
import pino, { Logger } from 'pino';
import { StaffTokens } from '../src/platform/security/staff-tokens';
import { controlRoutes } from './control.routes';
import { deadNationRoutes } from './dead-nation.routes';
import { filesRoutes } from './files.routes';
import { paymentsRoutes } from './payments.routes';
import { receiptsRoutes } from './receipts.routes';
import { InvalidRequest } from './request-validation';
import { SimulatorContext } from './simulator-context';
import { SimulatorState } from './simulator-state';
import {
  applyPatch,
  defaultSettings,
  parsePatch,
  SettingsPatch,
  SimulatorSettings,
} from './simulator-settings';
import { spreadsheetsRoutes } from './spreadsheets.routes';
import { transportationRoutes } from './transportation.routes';

export interface SimulatorOptions extends SettingsPatch {
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
  /** Silent unless given. */
  logger?: Logger;
  /**
   * DEAD_NATION_WEBHOOK_SECRET: webhooks are signed with it. Kept out of the settings, so
   * `GET /_sim/config` never shows it.
   */
  webhookSecret?: string;
  /** SIM_ALLOW_REMOTE_APP_URL: the webhook may go beyond loopback (see PatchRules). */
  allowRemoteAppUrl?: boolean;
  /**
   * SIM_CONTROL_TOKEN: `/_sim/*` (but `/_sim/health`) then needs `Authorization: Bearer <it>`.
   * Unset, the control routes are open, as they are for tests and a laptop.
   */
  controlToken?: string;
}

export interface RunningSimulator {
  url: string;
  state: SimulatorState;
  settings: SimulatorSettings;
  /** Same as `POST /_sim/config`. */
  configure(patch: SettingsPatch): void;
  close(): Promise<void>;
}

const SERVICE_PREFIXES = {
  '/dead-nation-api': 'dead-nation',
  '/receipts-api': 'receipts',
  '/payments-api': 'payments',
  '/files-api': 'files',
  '/spreadsheets-api': 'spreadsheets',
  '/transportation-api': 'transportation',
} as const;

/** Starts the gateway simulator (spec §4, §8): the six services, in memory, with faults on demand. */
export async function startSimulator(options: SimulatorOptions = {}): Promise<RunningSimulator> {
  const {
    port = 0,
    host = '127.0.0.1',
    logger = pino({ level: 'silent' }),
    webhookSecret,
    allowRemoteAppUrl = false,
    controlToken,
    ...patch
  } = options;
  const rules = { allowRemoteAppUrl };
  const settings = defaultSettings();
  applyPatch(settings, parsePatch(patch, rules));
  const ctx = new SimulatorContext(settings, logger, webhookSecret, rules);

  const app = express();
  app.disable('x-powered-by');
  app.use(express.json({ limit: '1mb' }));
  for (const [prefix, service] of Object.entries(SERVICE_PREFIXES)) {
    app.use(prefix, (req, res, next) => recordCall(ctx, service, req, res, next));
  }
  app.use('/dead-nation-api', deadNationRoutes(ctx));
  app.use('/receipts-api', receiptsRoutes(ctx));
  app.use('/payments-api', paymentsRoutes(ctx));
  app.use('/files-api', filesRoutes(ctx));
  app.use('/spreadsheets-api', spreadsheetsRoutes(ctx));
  app.use('/transportation-api', transportationRoutes(ctx));
  if (controlToken) app.use('/_sim', controlTokenRequired(controlToken));
  app.use('/_sim', controlRoutes(ctx, structuredClone(settings)));
  app.get('/health', (_req, res) => {
    res.json({ status: 'ok', pid: process.pid });
  });
  app.use((req: Request, res: Response) => {
    res.status(404).json({ error: `no such endpoint: ${req.method} ${req.path}` });
  });
  app.use((e: any, _req: Request, res: Response, _next: NextFunction) => {
    if (e instanceof InvalidRequest) return res.status(400).json({ error: e.message });
    const status = typeof e?.status === 'number' && e.status < 500 ? e.status : 500;
    if (status === 500) logger.error({ err: e }, 'simulator failure');
    const error =
      e?.type === 'entity.parse.failed'
        ? `body is not valid JSON: ${e.message}`
        : String(e?.message ?? e);
    res.status(status).json({ error });
  });

  const server = app.listen(port, host);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const address = server.address() as AddressInfo;
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;

  return {
    url: `http://${shownHost}:${address.port}`,
    state: ctx.state,
    settings,
    configure(p) {
      const parsed = parsePatch(p, rules);
      applyPatch(structuredClone(settings), parsed);
      applyPatch(settings, parsed);
      if (parsed.seed !== undefined) ctx.faults.reseed();
    },
    close: async () => {
      ctx.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}

/** `/_sim/*` behind SIM_CONTROL_TOKEN; `/_sim/health` stays open for probes. */
function controlTokenRequired(token: string) {
  const tokens = new StaffTokens([token]);
  return (req: Request, res: Response, next: NextFunction) => {
    if (req.path === '/health' || tokens.accepts(req.get('authorization'))) return next();
    res
      .status(401)
      .setHeader('WWW-Authenticate', 'Bearer')
      .json({ error: 'the /_sim control routes need Authorization: Bearer <SIM_CONTROL_TOKEN>' });
  };
}

/** Keeps who called what, with which Correlation-ID and trace context (`GET /_sim/requests`). */
function recordCall(
  ctx: SimulatorContext,
  service: string,
  req: Request,
  res: Response,
  next: NextFunction,
): void {
  const header = (name: string) => req.get(name) ?? null;
  const record = ctx.state.record({
    service,
    method: req.method,
    path: req.originalUrl,
    status: null,
    fault: null,
    key: null,
    correlation_id: header('Correlation-ID'),
    traceparent: header('traceparent'),
    tracestate: header('tracestate'),
    headers: Object.fromEntries(
      Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v)]),
    ),
  });
  res.locals.record = record;
  res.on('finish', () => (record.status = res.statusCode));
  next();
}
