import { Router } from 'express';
import { Fields } from './request-validation';
import { serve, SimulatorContext } from './simulator-context';

export function paymentsRoutes(ctx: SimulatorContext): Router {
  const { state } = ctx;
  const router = Router();

  router.put(
    '/refunds',
    serve(ctx, 'payments', {
      validate: (req) => {
        const f = Fields.of(req.body);
        return {
          payment_reference: f.string('payment_reference'),
          reason: f.string('reason'),
          deduplication_id: f.optionalString('deduplication_id'),
        };
      },
      key: (input) => input.deduplication_id ?? `payment ${input.payment_reference}`,
      apply: (input) => {
        if (input.deduplication_id && state.refundIds.has(input.deduplication_id)) {
          return { status: 200 }; // refunded already, once is enough
        }
        if (input.deduplication_id) state.refundIds.add(input.deduplication_id);
        state.refunds.push({ ...input, refunded_at: new Date().toISOString() });
        return { status: 200 };
      },
    }),
  );

  router.get('/refunds', (_req, res) => {
    res.json(state.refunds);
  });

  return router;
}
