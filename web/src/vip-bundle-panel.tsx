import { useEffect, useState } from 'preact/hooks';
import { api } from './api';
import type { Show, VipBundle } from './api';
import { BookingFields } from './booking-fields';
import { Feedback } from './feedback';
import { field } from './form-field';
import { formatTime } from './journey';
import { useAction } from './use-action';
import { BUNDLE_STEPS, bundleAtRest, passengerNames, stepStates } from './vip-bundle';

/** The bundle is polled: its steps are not on the ops stream, and a bundle lasts seconds. */
const BUNDLE_POLL_MS = 500;
/** A UUID, as the form's pattern (the API checks it again). */
const UUID = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';

/** Books a VIP bundle (POST /api/book-vip-bundle), then shows its steps as the saga takes them. */
export function VipBundlePanel({ shows, onBooked }: { shows: Show[]; onBooked: () => void }) {
  const { busy, message, run } = useAction();
  const [bundleId, setBundleId] = useState<string | null>(null);

  function book(e: SubmitEvent) {
    e.preventDefault();
    const data = new FormData(e.currentTarget as HTMLFormElement);
    void run(async () => {
      const { vip_bundle_id } = await api<{ vip_bundle_id: string }>(
        'POST',
        '/api/book-vip-bundle',
        {
          show_id: field(data, 'show_id'),
          number_of_tickets: Number(field(data, 'number_of_tickets')),
          customer_email: field(data, 'customer_email'),
          passengers: passengerNames(field(data, 'passengers')),
          inbound_flight_id: field(data, 'inbound_flight_id').trim(),
          return_flight_id: field(data, 'return_flight_id').trim(),
        },
      );
      setBundleId(vip_bundle_id);
      onBooked();
      return `VIP bundle booked: ${vip_bundle_id}.`;
    });
  }

  return (
    <section aria-labelledby="vip-title" class="panel">
      <h2 id="vip-title">VIP bundle</h2>
      <form onSubmit={book} aria-label="Book a VIP bundle">
        <BookingFields shows={shows} />
        <label>
          Passengers, one a line
          <textarea name="passengers" rows={2} required aria-describedby="vip-passengers-hint" />
        </label>
        <p id="vip-passengers-hint" class="hint">
          At most one per ticket; the first books the taxi.
        </p>
        <label>
          Inbound flight id <input name="inbound_flight_id" required pattern={UUID} class="mono" />
        </label>
        <label>
          Return flight id <input name="return_flight_id" required pattern={UUID} class="mono" />
        </label>
        <button type="submit" disabled={busy || shows.length === 0}>
          {busy ? 'Booking…' : 'Book VIP bundle'}
        </button>
        <Feedback message={message} />
      </form>
      {bundleId && <BundleSteps key={bundleId} id={bundleId} />}
    </section>
  );
}

/** Polls the bundle until nothing more can change, and shows each step and any compensation. */
function BundleSteps({ id }: { id: string }) {
  const [bundle, setBundle] = useState<VipBundle | null>(null);
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    const poll = () =>
      api<VipBundle>('GET', `/api/vip-bundles/${id}`)
        .then(
          (b) => {
            setBundle(b);
            return bundleAtRest(b);
          },
          () => false,
        )
        .then((done) => {
          if (!done && !stopped) timer = setTimeout(poll, BUNDLE_POLL_MS);
        });
    void poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [id]);

  if (!bundle) return <p role="status">Loading bundle {id}…</p>;
  const states = stepStates(bundle);
  return (
    <div class="bundle" data-vip-bundle-id={id} data-bundle-status={bundle.status}>
      <h3>
        Bundle <span class="mono">{id.slice(0, 8)}</span>: <BundleStatus bundle={bundle} />
      </h3>
      <ol class="steps bundle-steps" aria-label="Bundle steps">
        {BUNDLE_STEPS.map((step, i) => (
          <li key={step.key} class={states[i]} data-step={step.key} data-state={states[i]}>
            {states[i] === 'done' ? '✓ ' : states[i] === 'failed' ? '✗ ' : ''}
            {step.label}
            <span class="visually-hidden">: {states[i] === 'todo' ? 'pending' : states[i]}</span>
            {step.at(bundle) && <span class="hint"> {formatTime(step.at(bundle))}</span>}
          </li>
        ))}
      </ol>
      <p class="hint">
        Tickets confirmed: {bundle.ticket_ids.length} / {bundle.number_of_tickets} · passengers:{' '}
        {bundle.passengers.join(', ')}
      </p>
      {bundle.status === 'failed' && (
        <div role="alert">
          <p class="error-text">Failed: {bundle.failure_reason ?? 'unknown reason'}</p>
          <p>
            Compensations: {bundle.refunded_ticket_ids.length} show ticket(s) refunded,{' '}
            {bundle.canceled_flight_ticket_ids.length} flight ticket(s) canceled.
          </p>
        </div>
      )}
    </div>
  );
}

function BundleStatus({ bundle }: { bundle: VipBundle }) {
  // The saga marks success at the taxi and finalizes just after: the page waits for both.
  const text =
    bundle.status === 'failed' ? 'failed' : bundle.finalized_at ? 'finalized' : 'in progress';
  return (
    <span
      class={`badge status-${bundle.status}`}
      role="status"
      aria-live="polite"
      data-bundle-state={text}
    >
      {text}
    </span>
  );
}
