import { Router } from 'express';
import { originOf } from './dead-nation.routes';
import { Fields, InvalidRequest } from './request-validation';
import { SimulatorContext } from './simulator-context';
import { applyPatch, parsePatch, SimulatorSettings } from './simulator-settings';

/** `/_sim/*`: the simulator's own switches and logs, for people and tests. */
export function controlRoutes(ctx: SimulatorContext, startup: SimulatorSettings): Router {
  const { state, settings } = ctx;
  const router = Router();

  router.get('/health', (_req, res) => {
    res.json({ status: 'ok', pid: process.pid });
  });

  router.get('/config', (_req, res) => {
    res.json(settings);
  });

  router.post('/config', (req, res) => {
    const patch = parsePatch(req.body, ctx.rules);
    applyPatch(structuredClone(settings), patch); // all or nothing: check before changing
    applyPatch(settings, patch);
    if (patch.seed !== undefined) ctx.faults.reseed();
    res.json(settings);
  });

  router.post('/reset', (_req, res) => {
    state.clear();
    Object.assign(settings, structuredClone(startup));
    ctx.faults.reseed();
    res.json(settings);
  });

  router.get('/requests', (req, res) => {
    const service = typeof req.query.service === 'string' ? req.query.service : undefined;
    res.json(service ? state.requests.filter((r) => r.service === service) : state.requests);
  });

  // Raw counts per endpoint and key: the read-back endpoints hide a repeated key, these do not.
  router.get('/calls', (req, res) => {
    const service = typeof req.query.service === 'string' ? req.query.service : undefined;
    const calls = [...state.calls.values()].filter((c) => !service || c.service === service);
    res.json({ total: calls.reduce((n, c) => n + c.calls, 0), calls });
  });

  router.get('/webhooks', (_req, res) => {
    res.json(state.webhooks);
  });

  // Dead Nation cancels tickets it confirmed: the canceled webhook, with a fresh key.
  router.post('/dead-nation/cancel', (req, res) => {
    const ids = Fields.of(req.body).strings('ticket_ids', { nonEmpty: true });
    const tickets = ids.map((id) => {
      const ticket = state.tickets.get(id);
      if (!ticket)
        throw new InvalidRequest('ticket_ids', `holds ${id}, a ticket Dead Nation never confirmed`);
      ticket.status = 'canceled';
      return ticket;
    });
    const webhook = ctx.webhook.send('canceled', tickets, originOf(req));
    res
      .status(202)
      .json({ idempotency_key: webhook.idempotency_key, tickets: webhook.body.tickets });
  });

  return router;
}
