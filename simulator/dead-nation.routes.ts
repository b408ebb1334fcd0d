import { randomUUID } from 'node:crypto';
import { Request, Router } from 'express';
import { Fields } from './request-validation';
import { serve, SimulatorContext } from './simulator-context';
import { DeadNationTicket } from './simulator-state';

/** Keeps each webhook body far below the app's 1 MiB limit. */
const TICKETS_PER_WEBHOOK = 500;

export function originOf(req: Request) {
  return {
    correlationId: req.get('Correlation-ID'),
    traceparent: req.get('traceparent'),
    tracestate: req.get('tracestate'),
  };
}

export function deadNationRoutes(ctx: SimulatorContext): Router {
  const { state, settings } = ctx;
  const router = Router();

  router.post(
    '/ticket/booking',
    serve(ctx, 'dead-nation', {
      validate: (req) => {
        const f = Fields.of(req.body);
        return {
          booking_id: f.uuid('booking_id'),
          event_id: f.uuid('event_id'),
          number_of_tickets: f.int('number_of_tickets', 1, 100_000),
          customer_address: f.string('customer_address'),
        };
      },
      key: (booking) => booking.booking_id,
      apply: (booking, req) => {
        if (state.bookings.has(booking.booking_id)) {
          return { status: 200, json: { booking_id: booking.booking_id } }; // the same booking
        }
        if (settings.dead_nation.refused_event_ids.includes(booking.event_id.toLowerCase())) {
          return {
            status: 422,
            json: { error: `event_id ${booking.event_id} is not on sale at Dead Nation` },
          };
        }
        const tickets: DeadNationTicket[] = Array.from(
          { length: booking.number_of_tickets },
          () => ({
            ticket_id: randomUUID(),
            booking_id: booking.booking_id,
            customer_email: booking.customer_address,
            price: { ...settings.webhook.price },
            status: 'confirmed',
          }),
        );
        state.bookings.set(booking.booking_id, {
          ...booking,
          booked_at: new Date().toISOString(),
          ticket_ids: tickets.map((t) => t.ticket_id),
        });
        for (const t of tickets) state.tickets.set(t.ticket_id, t);
        if (settings.webhook.enabled) {
          for (let i = 0; i < tickets.length; i += TICKETS_PER_WEBHOOK) {
            ctx.webhook.send('confirmed', tickets.slice(i, i + TICKETS_PER_WEBHOOK), originOf(req));
          }
        }
        return { status: 200, json: { booking_id: booking.booking_id } };
      },
    }),
  );

  router.get('/bookings', (_req, res) => {
    res.json([...state.bookings.values()]);
  });

  return router;
}
