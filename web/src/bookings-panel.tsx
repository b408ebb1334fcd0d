import { api } from './api';
import type { OpsBooking, OpsTicket } from './api';
import type { StreamState } from './live-stream';
import { Feedback } from './feedback';
import { bookingStatus, formatTime, stepTimes, TICKET_STEPS, ticketStatus } from './journey';
import { useAction } from './use-action';

/** Bookings newest first, each ticket's journey, live; filter by receipt date; refund. */
export function BookingsPanel(props: {
  bookings: OpsBooking[];
  state: StreamState;
  receiptDate: string;
  onReceiptDate: (date: string) => void;
  highlight: string | null;
}) {
  const { bookings, state, receiptDate, onReceiptDate, highlight } = props;
  return (
    <section aria-labelledby="bookings-title" class="panel wide">
      <div class="panel-head">
        <h2 id="bookings-title">Bookings</h2>
        <span class={`live ${state}`} role="status" aria-live="polite" data-stream-state={state}>
          {state === 'live' ? '● live' : state === 'connecting' ? 'connecting…' : 'reconnecting…'}
        </span>
      </div>
      <form class="filter" onSubmit={(e) => e.preventDefault()} aria-label="Filter bookings">
        <label>
          Receipt issued on (UTC)
          <input
            type="date"
            name="receipt_issue_date"
            value={receiptDate}
            onChange={(e) => onReceiptDate(e.currentTarget.value)}
          />
        </label>
        {receiptDate && (
          <button type="button" class="secondary" onClick={() => onReceiptDate('')}>
            Show all
          </button>
        )}
      </form>
      {bookings.length === 0 ? (
        <p>{receiptDate ? 'No booking has a receipt issued on that day.' : 'No bookings yet.'}</p>
      ) : (
        <ol class="bookings" aria-label="Bookings, newest first">
          {bookings.map((b) => (
            <Booking key={b.booking_id} booking={b} highlight={b.booking_id === highlight} />
          ))}
        </ol>
      )}
    </section>
  );
}

function Booking({ booking, highlight }: { booking: OpsBooking; highlight: boolean }) {
  const tickets = Object.entries(booking.tickets).sort(([a], [b]) => a.localeCompare(b));
  const status = bookingStatus(booking);
  return (
    <li class={`booking${highlight ? ' highlight' : ''}`} data-booking-id={booking.booking_id}>
      <div class="booking-head">
        <span class="mono">{booking.booking_id}</span>
        <span>booked {formatTime(booking.booked_at)}</span>
        <span class="badge" data-booking-status={status}>
          {status === 'at Dead Nation' ? 'booked · at Dead Nation' : `${tickets.length} ticket(s)`}
        </span>
      </div>
      {tickets.length > 0 && (
        <ul class="tickets">
          {tickets.map(([id, t]) => (
            <Ticket key={id} id={id} ticket={t} />
          ))}
        </ul>
      )}
    </li>
  );
}

function Ticket({ id, ticket }: { id: string; ticket: OpsTicket }) {
  const { busy, message, run } = useAction();
  const status = ticketStatus(ticket);
  const times = stepTimes(ticket);
  const refund = () =>
    run(async () => {
      await api('PUT', `/api/ticket-refund/${id}`);
      return 'Refund requested: it shows as refunded once done.';
    });
  return (
    <li class="ticket" data-ticket-id={id} data-status={status}>
      <div class="ticket-head">
        <span class="mono">{id.slice(0, 8)}</span>
        <span>
          {ticket.price_amount} {ticket.price_currency}
        </span>
        <span class={`badge status-${status}`} aria-label={`status ${status}`}>
          {status}
        </span>
        {!ticket.refunded_at && (
          <button
            type="button"
            class="secondary"
            onClick={() => void refund()}
            disabled={busy}
            aria-label={`Refund ticket ${id}`}
          >
            {busy ? 'Refunding…' : 'Refund'}
          </button>
        )}
      </div>
      <ol class="steps" aria-label="Journey">
        {TICKET_STEPS.map((step) => (
          <li key={step} class={times[step] ? 'done' : 'todo'} title={formatTime(times[step])}>
            {times[step] ? '✓ ' : ''}
            {step}
            {step === 'receipt' && ticket.receipt_number ? ` ${ticket.receipt_number}` : ''}
          </li>
        ))}
      </ol>
      <Feedback message={message} />
    </li>
  );
}
