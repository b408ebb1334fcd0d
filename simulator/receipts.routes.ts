import { Router } from 'express';
import { Fields } from './request-validation';
import { serve, SimulatorContext } from './simulator-context';

export function receiptsRoutes(ctx: SimulatorContext): Router {
  const { state } = ctx;
  const router = Router();

  router.put(
    '/receipts',
    serve(ctx, 'receipts', {
      validate: (req) => {
        const f = Fields.of(req.body);
        const price = f.object('price');
        return {
          ticket_id: f.uuid('ticket_id'),
          price: {
            money_amount: price.decimal('money_amount'),
            money_currency: price.currency('money_currency'),
          },
          idempotency_key: f.optionalString('idempotency_key'),
        };
      },
      key: (input) => input.idempotency_key ?? `ticket ${input.ticket_id}`,
      apply: (input) => {
        const first = input.idempotency_key && state.receiptsByKey.get(input.idempotency_key);
        if (first) return { status: 200, json: first }; // already issued
        const receipt = {
          number: state.nextReceiptNumber(),
          issued_at: new Date().toISOString(),
          ...input,
          voided: false,
        };
        state.receipts.push(receipt);
        if (input.idempotency_key) state.receiptsByKey.set(input.idempotency_key, receipt);
        return { status: 201, json: receipt };
      },
    }),
  );

  router.put(
    '/void-receipt',
    serve(ctx, 'receipts', {
      validate: (req) => {
        const f = Fields.of(req.body);
        return {
          ticket_id: f.uuid('ticket_id'),
          reason: f.string('reason'),
          idempotent_id: f.optionalString('idempotent_id'),
        };
      },
      key: (input) => input.idempotent_id ?? `ticket ${input.ticket_id}`,
      apply: (input) => {
        if (input.idempotent_id && state.voidIds.has(input.idempotent_id)) return { status: 200 };
        if (input.idempotent_id) state.voidIds.add(input.idempotent_id);
        state.voids.push({ ...input, voided_at: new Date().toISOString() });
        for (const receipt of state.receipts.filter((r) => r.ticket_id === input.ticket_id)) {
          receipt.voided = true;
          receipt.void_reason = input.reason;
        }
        return { status: 200 };
      },
    }),
  );

  router.get('/receipts', (_req, res) => {
    res.json(state.receipts);
  });
  router.get('/void-receipts', (_req, res) => {
    res.json(state.voids);
  });

  return router;
}
