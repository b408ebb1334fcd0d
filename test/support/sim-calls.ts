import request from 'supertest';
import { RunningSimulator } from '../../simulator/gateway-simulator';
import { CallCount } from '../../simulator/simulator-state';

/** The simulator's raw call counts (`GET /_sim/calls`), read over HTTP as anyone would. */
export async function rawCalls(sim: RunningSimulator | string): Promise<CallCount[]> {
  const url = typeof sim === 'string' ? sim : sim.url;
  return (await request(url).get('/_sim/calls').expect(200)).body.calls;
}

/**
 * Raw calls to an endpoint per id in `ids`: a call counts for the id whose key it has (`keyOf`),
 * or by default the id its key contains (most keys are built from a ticket or booking id).
 * `field` picks all calls or only the answered ones.
 */
export function callsPer(
  calls: CallCount[],
  endpoint: string,
  ids: string[],
  { field = 'calls', keyOf }: { field?: 'calls' | 'answered'; keyOf?: (id: string) => string } = {},
): Record<string, number> {
  const n: Record<string, number> = {};
  for (const c of calls.filter((c) => c.endpoint === endpoint)) {
    const id = ids.find((i) => (keyOf ? keyOf(i) === c.key : c.key.includes(i)));
    if (id && c[field] > 0) n[id] = (n[id] ?? 0) + c[field];
  }
  return n;
}

export const ENDPOINTS = {
  booking: 'POST /dead-nation-api/ticket/booking',
  receipt: 'PUT /receipts-api/receipts',
  voidReceipt: 'PUT /receipts-api/void-receipt',
  refund: 'PUT /payments-api/refunds',
  file: 'PUT /files-api/files/:fileId/content',
  appendRow: 'POST /spreadsheets-api/sheets/:sheet/rows',
} as const;

/** Transportation (spec §8): the VIP bundles' flights and taxis. */
export const TRANSPORT = {
  bookFlight: 'PUT /transportation-api/flight-tickets',
  cancelFlight: 'DELETE /transportation-api/flight-tickets/:ticketId',
  bookTaxi: 'PUT /transportation-api/taxi-booking',
  cancelTaxi: 'DELETE /transportation-api/taxi-booking/:bookingId',
} as const;
