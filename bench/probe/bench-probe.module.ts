import { DynamicModule, Module, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { EventsHandler, IEventHandler } from '@nestjs/cqrs';
import { BookingMade_v1 } from '../../src/bookings/events/booking-made.event';
import { HandlerName, IntegrationEvent, Message } from '../../src/messaging';

/** What the bench pre-fills the outbox (and so the stream) with for the relay and consumer runs. */
@IntegrationEvent('BenchNoop_v1', { stored: false })
export class BenchNoop_v1 extends Message {
  seq: number;
}

/** In-memory measurements of this process, read by the bench runner over the IPC channel. */
const stats = {
  /** per BookingMade_v1: [booking_id, handler start, header.published_at] (epoch ms) */
  bookings: [] as [string, number, number][],
  noop: { count: 0, first: 0, last: 0 },
};

/**
 * A further consumer of BookingMade_v1 beside the real ones: it only notes when it starts, i.e.
 * after the relay published the committed row, the group read it and the dedupe row was inserted.
 * It touches nothing outside the database, so it takes the batch path like the ops projections.
 */
@EventsHandler(BookingMade_v1)
@HandlerName('bench_probe', { batch: true })
export class CommitToHandlerProbe implements IEventHandler<BookingMade_v1> {
  async handle(event: BookingMade_v1): Promise<void> {
    stats.bookings.push([event.booking_id, Date.now(), Date.parse(event.header.published_at)]);
  }
}

function counted(): void {
  const now = Date.now();
  if (stats.noop.count++ === 0) stats.noop.first = now;
  stats.noop.last = now;
}

/**
 * Does nothing, so a run measures only what every handler pays: delivery, the dedupe record in
 * a transaction, the ack. Marked `batch` like every database-only handler: one transaction and
 * one dedupe insert per read.
 */
@EventsHandler(BenchNoop_v1)
@HandlerName('bench_noop_batch', { batch: true })
export class BatchNoopHandler implements IEventHandler<BenchNoop_v1> {
  async handle(): Promise<void> {
    counted();
  }
}

/** The same on the one-by-one path, which handlers with external calls take. */
@EventsHandler(BenchNoop_v1)
@HandlerName('bench_noop_single')
export class SingleNoopHandler implements IEventHandler<BenchNoop_v1> {
  async handle(): Promise<void> {
    counted();
  }
}

type Request = { bench: 'stats' | 'reset' };

@Module({})
export class BenchProbeModule implements OnModuleInit, OnModuleDestroy {
  /** BENCH_NOOP picks the no-op consumer of this process: batch, single or none. */
  static register(noop = process.env.BENCH_NOOP): DynamicModule {
    const handlers = { batch: [BatchNoopHandler], single: [SingleNoopHandler] }[noop ?? ''] ?? [];
    return { module: BenchProbeModule, providers: [CommitToHandlerProbe, ...handlers] };
  }

  private readonly onMessage = (m: Request) => {
    if (m?.bench === 'reset') {
      stats.bookings = [];
      stats.noop = { count: 0, first: 0, last: 0 };
    }
    if (m?.bench) process.send?.({ bench: 'stats', ...stats });
  };

  onModuleInit(): void {
    process.on('message', this.onMessage);
  }

  onModuleDestroy(): void {
    process.off('message', this.onMessage);
  }
}
