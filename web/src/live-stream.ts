import { createParser } from 'eventsource-parser';
import { authHeaders } from './api';
import type { OpsBooking } from './api';

export type StreamState = 'connecting' | 'live' | 'reconnecting';

/**
 * Follows GET /api/ops/stream. Read with fetch rather than EventSource, which cannot send the
 * staff token as a header (spec §9); reconnects after a second when the stream breaks, and
 * calls `onOpen` each time it is (re)connected so the page can reload what it may have missed.
 */
export function followBookings(handlers: {
  onBooking: (doc: OpsBooking) => void;
  onState: (state: StreamState) => void;
  onOpen: () => void;
}): () => void {
  const abort = new AbortController();
  const run = async () => {
    while (!abort.signal.aborted) {
      try {
        const res = await fetch('/api/ops/stream', {
          headers: { Accept: 'text/event-stream', ...authHeaders() },
          signal: abort.signal,
        });
        if (!res.ok || !res.body) throw new Error(`stream answered ${res.status}`);
        handlers.onState('live');
        handlers.onOpen();
        const parser = createParser({
          onEvent: (event) => {
            if (event.event === 'booking') handlers.onBooking(JSON.parse(event.data) as OpsBooking);
          },
        });
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          parser.feed(value);
        }
      } catch {
        // Broken or refused: try again below, unless the page closed it.
      }
      if (abort.signal.aborted) return;
      handlers.onState('reconnecting');
      await new Promise((r) => setTimeout(r, 1000));
    }
  };
  handlers.onState('connecting');
  void run();
  return () => abort.abort();
}
