import { api } from './api';
import type { Show } from './api';
import { Feedback } from './feedback';
import { field } from './form-field';
import { formatTime } from './journey';
import { useAction } from './use-action';

/** The shows with seats sold / capacity, and the form that adds one (POST /api/shows). */
export function ShowsPanel({ shows, onChanged }: { shows: Show[]; onChanged: () => void }) {
  const { busy, message, run } = useAction();

  function create(e: SubmitEvent) {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const data = new FormData(form);
    void run(async () => {
      const start = new Date(field(data, 'start_time'));
      if (Number.isNaN(start.getTime())) throw new Error('start time: pick a date and time');
      const { show_id } = await api<{ show_id: string }>('POST', '/api/shows', {
        dead_nation_id: field(data, 'dead_nation_id').trim() || crypto.randomUUID(),
        number_of_tickets: Number(field(data, 'number_of_tickets')),
        start_time: start.toISOString(),
        title: field(data, 'title'),
        venue: field(data, 'venue'),
      });
      form.reset();
      onChanged();
      return `Show created (${show_id}).`;
    });
  }

  return (
    <section aria-labelledby="shows-title" class="panel">
      <h2 id="shows-title">Shows</h2>
      {shows.length === 0 ? (
        <p>No shows yet: create the first one below.</p>
      ) : (
        <div class="table-wrap">
          <table>
            <caption class="visually-hidden">Shows, latest start first</caption>
            <thead>
              <tr>
                <th scope="col">Title</th>
                <th scope="col">Venue</th>
                <th scope="col">Starts</th>
                <th scope="col">Sold / capacity</th>
              </tr>
            </thead>
            <tbody>
              {shows.map((s) => (
                <tr key={s.show_id} data-show-id={s.show_id}>
                  <th scope="row">{s.title}</th>
                  <td>{s.venue}</td>
                  <td>{formatTime(s.start_time)}</td>
                  <td class="num">
                    <meter
                      min={0}
                      max={s.number_of_tickets}
                      value={s.seats_booked}
                      aria-label={`${s.title}: seats sold`}
                    />{' '}
                    <span class="sold">
                      {s.seats_booked} / {s.number_of_tickets}
                    </span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      <details class="create" open={shows.length === 0}>
        <summary>Create a show</summary>
        <form onSubmit={create} aria-label="Create a show">
          <label>
            Title <input name="title" required maxLength={200} autoComplete="off" />
          </label>
          <label>
            Venue <input name="venue" required maxLength={200} autoComplete="off" />
          </label>
          <label>
            Starts <input name="start_time" type="datetime-local" required />
          </label>
          <label>
            Seats{' '}
            <input name="number_of_tickets" type="number" min={1} required inputMode="numeric" />
          </label>
          <label>
            Dead Nation event id <span class="hint">(optional: a new one is made)</span>
            <input name="dead_nation_id" autoComplete="off" pattern="[0-9a-fA-F-]{36}" />
          </label>
          <button type="submit" disabled={busy}>
            {busy ? 'Creating…' : 'Create show'}
          </button>
        </form>
      </details>
      <Feedback message={message} />
    </section>
  );
}
