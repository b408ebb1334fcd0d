import { api } from './api';
import type { MessagingPanel as Panel } from './api';
import { Feedback } from './feedback';
import { formatTime } from './journey';
import { useAction } from './use-action';

/** Consumer groups, the outbox and the dead letters, with the re-drive buttons. */
export function MessagingPanel({
  panel,
  onChanged,
}: {
  panel: Panel | null;
  onChanged: () => void;
}) {
  const { busy, message, run } = useAction();
  const redrive = (id?: string) =>
    run(async () => {
      const { redriven } = await api<{ redriven: number }>(
        'POST',
        '/api/ops/dead-letters/redrive',
        id ? { id } : {},
      );
      onChanged();
      return `Re-drove ${redriven} dead letter(s).`;
    });

  if (!panel) {
    return (
      <section aria-labelledby="messaging-title" class="panel wide">
        <h2 id="messaging-title">Messaging</h2>
        <p>Loading…</p>
      </section>
    );
  }
  const { groups, outbox, dead_letters, dead_letter_count } = panel;
  return (
    <section aria-labelledby="messaging-title" class="panel wide">
      <h2 id="messaging-title">Messaging</h2>
      <dl class="outbox">
        <div>
          <dt>Outbox backlog</dt>
          <dd data-outbox-backlog={outbox.backlog}>{outbox.backlog} row(s)</dd>
        </div>
        <div>
          <dt>Oldest unpublished</dt>
          <dd>{outbox.oldest_age_seconds.toFixed(1)} s</dd>
        </div>
        <div>
          <dt>Dead letters</dt>
          <dd data-dead-letter-count={dead_letter_count}>{dead_letter_count}</dd>
        </div>
      </dl>

      <h3>Consumer groups</h3>
      <div class="table-wrap">
        <table>
          <caption class="visually-hidden">Consumer groups: pending and lag per stream</caption>
          <thead>
            <tr>
              <th scope="col">Group</th>
              <th scope="col">Stream</th>
              <th scope="col">Pending</th>
              <th scope="col">Lag</th>
            </tr>
          </thead>
          <tbody>
            {groups.map((g) => (
              <tr key={`${g.group} ${g.stream}`} class={g.pending > 0 || !g.present ? 'warn' : ''}>
                <th scope="row">{g.group}</th>
                <td class="mono">{g.stream}</td>
                <td class="num">{g.pending}</td>
                <td class="num">{g.present ? (g.lag ?? '?') : 'lost'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      <div class="panel-head">
        <h3 id="dead-letters-title">Dead letters</h3>
        <button
          type="button"
          onClick={() => void redrive()}
          disabled={busy || dead_letter_count === 0}
        >
          Re-drive all
        </button>
      </div>
      <Feedback message={message} />
      {dead_letters.length === 0 ? (
        <p>None.</p>
      ) : (
        <ul class="dead-letters" aria-labelledby="dead-letters-title">
          {dead_letters.map((l) => (
            <li key={l.id} class="dead-letter" data-dead-letter-id={l.id}>
              <div class="booking-head">
                <span>
                  <strong>{l.handler}</strong> · {l.name}
                </span>
                <span>
                  {l.deliveries} deliveries · {formatTime(l.at)}
                </span>
                <button
                  type="button"
                  class="secondary"
                  onClick={() => void redrive(l.id)}
                  disabled={busy}
                  aria-label={`Re-drive dead letter ${l.id} of ${l.handler}`}
                >
                  Re-drive
                </button>
              </div>
              <pre class="error-text">{l.error}</pre>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
