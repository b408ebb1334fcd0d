import { Injectable, Logger } from '@nestjs/common';
import { Gauge, register } from 'prom-client';
import { Observable, share } from 'rxjs';
import { MessageRegistry, RedisFactory, StreamNames } from '../../messaging';
import { InternalOpsReadModelUpdated } from '../internal-ops-read-model-updated.event';
import { OpsBooking } from '../ops-booking.document';
import { OpsBookingsReader } from '../ops-bookings.reader';

/** Updates read from Redis per XREAD: a burst of a booking's updates becomes one document. */
const READ_COUNT = 200;
/** How long one XREAD blocks; also how long a dropped last client keeps the connection. */
const BLOCK_MS = 2000;

const clientsGauge = (): Gauge =>
  (register.getSingleMetric('ops_stream_clients') as Gauge | undefined) ??
  new Gauge({ name: 'ops_stream_clients', help: 'Open GET /api/ops/stream connections' });

/**
 * The ops read model's changes as they happen, for the web application's live bookings (spec
 * §11). Every api process must see every change, so it reads `InternalOpsReadModelUpdated`'s
 * stream with a plain XREAD (no consumer group: a group would hand each update to one process
 * only), then sends the booking's current document. One reader per process, and only while at
 * least one client listens: `share()` starts it with the first subscriber and stops it (closing
 * its Redis connection) when the last one leaves.
 */
@Injectable()
export class OpsUpdates {
  private readonly logger = new Logger(OpsUpdates.name);
  private readonly gauge = clientsGauge();
  private clients = 0;
  private readers = 0;
  readonly bookings: Observable<OpsBooking>;

  constructor(
    private readonly redisFactory: RedisFactory,
    private readonly names: StreamNames,
    private readonly reader: OpsBookingsReader,
  ) {
    this.bookings = new Observable<OpsBooking>((subscriber) => {
      return this.read((doc) => subscriber.next(doc));
    }).pipe(share());
  }

  /** The clients listening now (the test that drops 200 streams checks it comes back to 0). */
  get open(): number {
    return this.clients;
  }

  /** Redis readers running now: 1 while anyone listens, else 0. */
  get reading(): number {
    return this.readers;
  }

  /** Counts a client for as long as it stays subscribed. */
  follow(): Observable<OpsBooking> {
    return new Observable<OpsBooking>((subscriber) => {
      this.clients++;
      this.gauge.inc();
      const sub = this.bookings.subscribe(subscriber);
      return () => {
        this.clients--;
        this.gauge.dec();
        sub.unsubscribe();
      };
    });
  }

  private read(emit: (doc: OpsBooking) => void): () => void {
    const redis = this.redisFactory.create('ops-stream');
    const name = MessageRegistry.nameOf(InternalOpsReadModelUpdated)!;
    const key = this.names.stream(MessageRegistry.get(name)!.destination);
    let open = true;
    let last = '$';
    this.readers++;
    const loop = async () => {
      while (open) {
        try {
          const res = await redis.xread(
            'COUNT',
            READ_COUNT,
            'BLOCK',
            BLOCK_MS,
            'STREAMS',
            key,
            last,
          );
          const entries = res?.[0]?.[1] ?? [];
          if (entries.length) last = entries[entries.length - 1][0];
          for (const id of bookingIds(entries)) {
            const doc = await this.reader.find(id);
            if (doc && open) emit(doc);
          }
        } catch (err) {
          if (!open) return;
          // Redis or PostgreSQL away for a moment: the clients keep their page, updates resume.
          this.logger.warn(`ops stream: ${err?.message ?? err}; reading again in 1 s`);
          await new Promise((r) => setTimeout(r, 1000));
        }
      }
    };
    void loop();
    return () => {
      open = false;
      this.readers--;
      redis.disconnect();
    };
  }
}

/** The distinct booking ids of a batch of `InternalOpsReadModelUpdated` entries, in order. */
export function bookingIds(entries: [string, string[]][]): string[] {
  const ids = new Set<string>();
  for (const [, flat] of entries) {
    const at = flat.indexOf('payload');
    if (at < 0) continue;
    try {
      const id = JSON.parse(flat[at + 1])?.booking_id;
      if (typeof id === 'string') ids.add(id);
    } catch {
      // Not ours to judge: a payload nobody can read is skipped here as the projection wrote it.
    }
  }
  return [...ids];
}
