import { randomUUID } from 'node:crypto';
import { Request, Router } from 'express';
import { Fields, InvalidRequest } from './request-validation';
import { Answer, serve, SimulatorContext } from './simulator-context';
import { FlightTicket, KeptAnswer } from './simulator-state';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The flights and taxis of spec §8: the VIP bundle books them and cancels flight tickets. */
export function transportationRoutes(ctx: SimulatorContext): Router {
  const { state, settings } = ctx;
  const router = Router();

  /** A repeated key answers what its first call got (409 included): the caller sees one outcome. */
  const once = (answers: Map<string, KeptAnswer>, key: string, first: () => KeptAnswer): Answer => {
    let answer = answers.get(key);
    if (!answer) answers.set(key, (answer = first()));
    return { status: answer.status, json: answer.json };
  };

  const seatsTaken = (flightId: string) => {
    let taken = 0;
    for (const t of state.flightTickets.values()) {
      if (t.flight_id === flightId && t.canceled_at === null) taken++;
    }
    return taken;
  };

  router.put(
    '/flight-tickets',
    serve(ctx, 'transportation', {
      validate: (req) => {
        const f = Fields.of(req.body);
        const passengers = f.strings('passenger_names', { nonEmpty: true });
        if (passengers.some((p) => p.trim() === '')) {
          throw new InvalidRequest('passenger_names', 'must hold non-empty names');
        }
        return {
          customer_email: f.string('customer_email'),
          flight_id: f.uuid('flight_id').toLowerCase(),
          passenger_names: passengers,
          reference_id: f.string('reference_id'),
          idempotency_key: f.string('idempotency_key'),
        };
      },
      key: (input) => input.idempotency_key,
      apply: (input) =>
        once(state.flightAnswers, input.idempotency_key, () => {
          const { flight_id, passenger_names } = input;
          const free = settings.transportation.sold_out_flight_ids.includes(flight_id)
            ? 0
            : settings.transportation.seats_per_flight - seatsTaken(flight_id);
          if (free < passenger_names.length) {
            return {
              status: 409,
              json: {
                error: `flight ${flight_id} has ${Math.max(free, 0)} seats left, ${passenger_names.length} asked`,
              },
            };
          }
          const booked_at = new Date().toISOString();
          const tickets: FlightTicket[] = passenger_names.map((passenger_name) => ({
            ticket_id: randomUUID(),
            flight_id,
            passenger_name,
            customer_email: input.customer_email,
            reference_id: input.reference_id,
            idempotency_key: input.idempotency_key,
            booked_at,
            canceled_at: null,
          }));
          for (const t of tickets) state.flightTickets.set(t.ticket_id, t);
          return { status: 201, json: { ticket_ids: tickets.map((t) => t.ticket_id) } };
        }),
    }),
  );

  router.delete(
    '/flight-tickets/:ticketId',
    serve(ctx, 'transportation', {
      validate: (req) => uuidParam(req, 'ticketId', 'ticket_id'),
      key: (ticketId) => ticketId,
      apply: (ticketId) => {
        const ticket = state.flightTickets.get(ticketId);
        if (!ticket) return { status: 404, json: { error: `no flight ticket ${ticketId}` } };
        ticket.canceled_at ??= new Date().toISOString(); // canceled once; again is still 204
        return { status: 204 };
      },
    }),
  );

  router.put(
    '/taxi-booking',
    serve(ctx, 'transportation', {
      validate: (req) => {
        const f = Fields.of(req.body);
        return {
          customer_email: f.string('customer_email'),
          number_of_passengers: f.int('number_of_passengers', 1, 100),
          passenger_name: f.string('passenger_name'),
          reference_id: f.string('reference_id'),
          idempotency_key: f.string('idempotency_key'),
        };
      },
      key: (input) => input.idempotency_key,
      apply: (input) =>
        once(state.taxiAnswers, input.idempotency_key, () => {
          if (!settings.transportation.taxis_available) {
            return { status: 409, json: { error: 'no taxi available' } };
          }
          const booking = {
            booking_id: randomUUID(),
            ...input,
            booked_at: new Date().toISOString(),
            canceled_at: null,
          };
          state.taxiBookings.set(booking.booking_id, booking);
          return { status: 201, json: { booking_id: booking.booking_id } };
        }),
    }),
  );

  // Not in spec §8 (the Go original's API has it): lets a bundle that failed after its taxi was
  // booked give the taxi back.
  router.delete(
    '/taxi-booking/:bookingId',
    serve(ctx, 'transportation', {
      validate: (req) => uuidParam(req, 'bookingId', 'booking_id'),
      key: (bookingId) => bookingId,
      apply: (bookingId) => {
        const booking = state.taxiBookings.get(bookingId);
        if (!booking) return { status: 404, json: { error: `no taxi booking ${bookingId}` } };
        booking.canceled_at ??= new Date().toISOString();
        return { status: 204 };
      },
    }),
  );

  router.get('/flight-tickets', (req, res) => {
    res.json(byReference([...state.flightTickets.values()], req));
  });
  router.get('/taxi-bookings', (req, res) => {
    res.json(byReference([...state.taxiBookings.values()], req));
  });

  return router;
}

function uuidParam(req: Request, param: string, field: string): string {
  const value = String(req.params[param]);
  if (!UUID.test(value)) throw new InvalidRequest(field, 'must be a UUID');
  return value.toLowerCase();
}

/** `?reference_id=` narrows a read-back to one bundle. */
function byReference<T extends { reference_id: string }>(items: T[], req: Request): T[] {
  const ref = req.query.reference_id;
  return typeof ref === 'string' ? items.filter((i) => i.reference_id === ref) : items;
}
