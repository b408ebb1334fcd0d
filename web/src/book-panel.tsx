import { api } from './api';
import type { Show } from './api';
import { BookingFields } from './booking-fields';
import { Feedback } from './feedback';
import { field } from './form-field';
import { useAction } from './use-action';

/** Books seats as a customer would (POST /api/book-tickets); the booking then shows up live. */
export function BookPanel({ shows, onBooked }: { shows: Show[]; onBooked: (id: string) => void }) {
  const { busy, message, run } = useAction();

  function book(e: SubmitEvent) {
    e.preventDefault();
    const data = new FormData(e.currentTarget as HTMLFormElement);
    void run(async () => {
      const { booking_id } = await api<{ booking_id: string }>('POST', '/api/book-tickets', {
        show_id: field(data, 'show_id'),
        number_of_tickets: Number(field(data, 'number_of_tickets')),
        customer_email: field(data, 'customer_email'),
      });
      onBooked(booking_id);
      return `Booked: ${booking_id}. Follow it under Bookings.`;
    });
  }

  return (
    <section aria-labelledby="book-title" class="panel">
      <h2 id="book-title">Book</h2>
      <form onSubmit={book} aria-label="Book tickets">
        <BookingFields shows={shows} />
        <button type="submit" disabled={busy || shows.length === 0}>
          {busy ? 'Booking…' : 'Book tickets'}
        </button>
        <Feedback message={message} />
      </form>
    </section>
  );
}
