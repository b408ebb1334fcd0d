import { Injectable } from '@nestjs/common';
import { GatewayError } from './gateway.error';
import { GatewayHttp } from './gateway.http';

export interface BookFlightRequest {
  customer_email: string;
  flight_id: string;
  passenger_names: string[];
  /** The VIP bundle id. */
  reference_id: string;
  /** The service answers a repeated key with its first answer (the same tickets, or 409 again). */
  idempotency_key: string;
}

export interface BookTaxiRequest {
  customer_email: string;
  number_of_passengers: number;
  passenger_name: string;
  /** The VIP bundle id. */
  reference_id: string;
  idempotency_key: string;
}

/** 409 is an answer, not an error: the flight has too few seats (FlightBookingFailed_v1). */
export type FlightBooking =
  { booked: true; ticket_ids: string[] } | { booked: false; reason: string };

/** 409 is an answer: no taxi (TaxiBookingFailed_v1). */
export type TaxiBooking = { booked: true; booking_id: string } | { booked: false; reason: string };

/**
 * Transportation (spec §8): flights and taxis for VIP bundles. Every call is idempotent (a key,
 * or a DELETE), so each is retried like the other clients' on 5xx, timeouts and network errors.
 */
@Injectable()
export class TransportationClient {
  constructor(private readonly http: GatewayHttp) {}

  async bookFlight(req: BookFlightRequest): Promise<FlightBooking> {
    const call = 'Transportation bookFlight';
    const { data, status } = await this.http.send<{ ticket_ids?: unknown; error?: unknown }>(call, {
      method: 'PUT',
      url: '/transportation-api/flight-tickets',
      data: req,
      accept: [409],
    });
    if (status === 409) return { booked: false, reason: reasonOf(data, 'no seats') };
    const ids = data?.ticket_ids;
    // A ticket per passenger, or the bundle would cancel and count the wrong seats.
    if (
      !Array.isArray(ids) ||
      ids.length !== req.passenger_names.length ||
      ids.some((id) => typeof id !== 'string')
    ) {
      throw new GatewayError(call, 'answer lacks one ticket id per passenger', status, false, 1);
    }
    return { booked: true, ticket_ids: ids as string[] };
  }

  /** 'unknown': the service never issued the ticket (404), so there is nothing to cancel. */
  async cancelFlightTicket(ticketId: string): Promise<'canceled' | 'unknown'> {
    const { status } = await this.http.send('Transportation cancelFlightTicket', {
      method: 'DELETE',
      url: `/transportation-api/flight-tickets/${encodeURIComponent(ticketId)}`,
      accept: [404],
    });
    return status === 404 ? 'unknown' : 'canceled';
  }

  async bookTaxi(req: BookTaxiRequest): Promise<TaxiBooking> {
    const call = 'Transportation bookTaxi';
    const { data, status } = await this.http.send<{ booking_id?: unknown; error?: unknown }>(call, {
      method: 'PUT',
      url: '/transportation-api/taxi-booking',
      data: req,
      accept: [409],
    });
    if (status === 409) return { booked: false, reason: reasonOf(data, 'no taxi') };
    if (typeof data?.booking_id !== 'string') {
      throw new GatewayError(call, 'answer lacks booking_id', status, false, 1);
    }
    return { booked: true, booking_id: data.booking_id };
  }

  /** Beyond spec §8's table (the Go original's API has it); 'unknown' as for flight tickets. */
  async cancelTaxiBooking(bookingId: string): Promise<'canceled' | 'unknown'> {
    const { status } = await this.http.send('Transportation cancelTaxiBooking', {
      method: 'DELETE',
      url: `/transportation-api/taxi-booking/${encodeURIComponent(bookingId)}`,
      accept: [404],
    });
    return status === 404 ? 'unknown' : 'canceled';
  }
}

function reasonOf(body: { error?: unknown } | undefined, otherwise: string): string {
  return typeof body?.error === 'string' && body.error ? body.error.slice(0, 300) : otherwise;
}
