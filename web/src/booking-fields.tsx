import type { Show } from './api';

/** The fields every booking asks for, tickets or VIP bundle: the show, how many, who books. */
export function BookingFields({ shows }: { shows: Show[] }) {
  return (
    <>
      <label>
        Show
        <select name="show_id" required disabled={shows.length === 0}>
          {shows.map((s) => (
            <option key={s.show_id} value={s.show_id}>
              {s.title} · {s.venue} ({s.number_of_tickets - s.seats_booked} left)
            </option>
          ))}
        </select>
      </label>
      <label>
        Tickets{' '}
        <input
          name="number_of_tickets"
          type="number"
          min={1}
          value="1"
          required
          inputMode="numeric"
        />
      </label>
      <label>
        Customer e-mail <input name="customer_email" type="email" required autoComplete="off" />
      </label>
    </>
  );
}
