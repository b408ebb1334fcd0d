import { render } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { api, staffToken, whenUnauthorized } from './api';
import type { MessagingPanel as Panel, OpsBooking, Show } from './api';
import { BookPanel } from './book-panel';
import { BookingsPanel } from './bookings-panel';
import { byNewest, receiptDates } from './journey';
import { followBookings } from './live-stream';
import type { StreamState } from './live-stream';
import { MessagingPanel } from './messaging-panel';
import { ShowsPanel } from './shows-panel';
import { TokenForm } from './token-form';
import { VipBundlePanel } from './vip-bundle-panel';

/** The page keeps this many bookings on screen; older ones stay in the API. */
const BOOKINGS_SHOWN = 100;
/** The messaging panel is polled: its numbers change with every message, not per booking. */
const MESSAGING_POLL_MS = 2000;

function App() {
  const [needsToken, setNeedsToken] = useState(false);
  const [shows, setShows] = useState<Show[]>([]);
  const [bookings, setBookings] = useState<Map<string, OpsBooking>>(new Map());
  const [receiptDate, setReceiptDate] = useState('');
  const [state, setState] = useState<StreamState>('connecting');
  const [panel, setPanel] = useState<Panel | null>(null);
  const [highlight, setHighlight] = useState<string | null>(null);
  const [generation, setGeneration] = useState(0);
  const dateRef = useRef(receiptDate);
  dateRef.current = receiptDate;

  useEffect(() => whenUnauthorized(() => setNeedsToken(true)), []);

  const loadShows = useCallback(() => {
    api<Show[]>('GET', '/api/shows').then(setShows, () => undefined);
  }, []);
  const loadBookings = useCallback(() => {
    const date = dateRef.current;
    const query = date ? `?receipt_issue_date=${encodeURIComponent(date)}` : '';
    api<OpsBooking[]>('GET', `/api/ops/bookings${query}`).then(
      (docs) => setBookings(new Map(docs.map((d) => [d.booking_id, d]))),
      () => undefined,
    );
  }, []);
  const loadPanel = useCallback(() => {
    api<Panel>('GET', '/api/ops/messaging').then(setPanel, () => undefined);
  }, []);

  // Everything starts on load, no click needed; again after a new token is given.
  useEffect(() => {
    loadShows();
    loadPanel();
    const timer = setInterval(loadPanel, MESSAGING_POLL_MS);
    const stop = followBookings({
      onState: setState,
      onOpen: loadBookings,
      onBooking: (doc) => {
        const date = dateRef.current;
        if (date && !receiptDates(doc).includes(date)) return;
        setBookings((current) => {
          const known = current.get(doc.booking_id);
          if (known && Date.parse(known.last_update) > Date.parse(doc.last_update)) return current;
          if (!known) loadShows(); // a new booking: seats sold changed
          return new Map(current).set(doc.booking_id, doc);
        });
      },
    });
    return () => {
      clearInterval(timer);
      stop();
    };
  }, [generation]);

  useEffect(loadBookings, [receiptDate]);

  const shown = [...bookings.values()].sort(byNewest).slice(0, BOOKINGS_SHOWN);
  return (
    <>
      <header class="top">
        <h1>tickets · box office</h1>
        <nav aria-label="Sections">
          <a href="#shows-title">Shows</a> <a href="#book-title">Book</a>{' '}
          <a href="#vip-title">VIP</a> <a href="#bookings-title">Bookings</a>{' '}
          <a href="#messaging-title">Messaging</a>
        </nav>
      </header>
      {needsToken && (
        <TokenForm
          onSaved={(token) => {
            staffToken.set(token);
            setNeedsToken(false);
            setGeneration((g) => g + 1);
            loadBookings();
          }}
        />
      )}
      <main class="grid">
        <div class="column">
          <ShowsPanel shows={shows} onChanged={loadShows} />
          <BookPanel
            shows={shows}
            onBooked={(id) => {
              setHighlight(id);
              loadShows();
            }}
          />
          <VipBundlePanel shows={shows} onBooked={loadShows} />
        </div>
        <div class="column">
          <BookingsPanel
            bookings={shown}
            state={state}
            receiptDate={receiptDate}
            onReceiptDate={setReceiptDate}
            highlight={highlight}
          />
          <MessagingPanel panel={panel} onChanged={loadPanel} />
        </div>
      </main>
    </>
  );
}

// The page's "Loading…" line goes; the app takes the whole container.
const root = document.getElementById('app')!;
root.textContent = '';
render(<App />, root);
