import { MessageRegistry, MessageType } from '../messaging';
import { BookFlight } from './book-flight/book-flight.command';
import { BookShowTickets } from './book-show-tickets/book-show-tickets.command';
import { BookTaxi } from './book-taxi/book-taxi.command';
import { CancelFlightTickets } from './cancel-flight-tickets/cancel-flight-tickets.command';
import { CancelTaxiBooking } from './cancel-taxi-booking/cancel-taxi-booking.command';
import { FlightBooked_v1 } from './events/flight-booked.event';
import { FlightBookingFailed_v1 } from './events/flight-booking-failed.event';
import { TaxiBooked_v1 } from './events/taxi-booked.event';
import { TaxiBookingFailed_v1 } from './events/taxi-booking-failed.event';
import { VipBundleFinalized_v1 } from './events/vip-bundle-finalized.event';
import { VipBundleInitialized_v1 } from './events/vip-bundle-initialized.event';
import { VIP_BUNDLE_INPUTS } from './vip-bundle.process';

describe('VIP bundle messages', () => {
  it.each([
    [VipBundleInitialized_v1, 'VipBundleInitialized_v1', 'events', true],
    [VipBundleFinalized_v1, 'VipBundleFinalized_v1', 'events', true],
    [FlightBooked_v1, 'FlightBooked_v1', 'events', true],
    [FlightBookingFailed_v1, 'FlightBookingFailed_v1', 'events', true],
    [TaxiBooked_v1, 'TaxiBooked_v1', 'events', true],
    [TaxiBookingFailed_v1, 'TaxiBookingFailed_v1', 'events', true],
    [BookShowTickets, 'BookShowTickets', 'commands', false],
    [BookFlight, 'BookFlight', 'commands', false],
    [BookTaxi, 'BookTaxi', 'commands', false],
    [CancelFlightTickets, 'CancelFlightTickets', 'commands', false],
    [CancelTaxiBooking, 'CancelTaxiBooking', 'commands', false],
  ] as Array<[MessageType, string, string, boolean]>)(
    '%p is registered as %s on its own stream',
    (type, name, streams, stored) => {
      expect(MessageRegistry.nameOf(type)).toBe(name);
      expect(MessageRegistry.get(name)).toMatchObject({
        type,
        destination: `${streams}.${name}`,
        stored,
      });
    },
  );

  it('decode from the wire into their classes', () => {
    const sent = new FlightBooked_v1({ flight_id: 'f', ticket_ids: ['t'], reference_id: 'r' });
    const back = MessageRegistry.decode('FlightBooked_v1', JSON.stringify(sent));
    expect(back).toBeInstanceOf(FlightBooked_v1);
    expect(back).toEqual(sent);
  });

  it('the process listens only to registered messages (the shared ones included)', () => {
    for (const type of VIP_BUNDLE_INPUTS) {
      expect(MessageRegistry.get(MessageRegistry.nameOf(type)!)?.type).toBe(type);
    }
  });
});
