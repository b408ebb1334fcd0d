import { Injectable } from '@nestjs/common';
import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import type { ShowListing } from './list-shows/list-shows.dto';

export interface NewShow {
  show_id: string;
  dead_nation_id: string;
  number_of_tickets: number;
  start_time: string;
  title: string;
  venue: string;
}

@Injectable()
export class ShowsRepository {
  constructor(private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>) {}

  /**
   * Adds the show and its seat counter in one statement; false when its Dead Nation event
   * already has a show.
   */
  async add(show: NewShow): Promise<boolean> {
    const rows: unknown[] = await this.txHost.tx.query(
      `WITH show AS (
         INSERT INTO shows (show_id, dead_nation_id, number_of_tickets, start_time, title, venue)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (dead_nation_id) DO NOTHING
         RETURNING show_id, number_of_tickets)
       INSERT INTO show_seats (show_id, capacity)
       SELECT show_id, number_of_tickets FROM show RETURNING show_id`,
      [
        show.show_id,
        show.dead_nation_id,
        show.number_of_tickets,
        show.start_time,
        show.title,
        show.venue,
      ],
    );
    return rows.length === 1;
  }

  async exists(showId: string): Promise<boolean> {
    const rows: unknown[] = await this.txHost.tx.query('SELECT 1 FROM shows WHERE show_id = $1', [
      showId,
    ]);
    return rows.length > 0;
  }

  async deadNationIdOf(showId: string): Promise<string | undefined> {
    const [row]: { dead_nation_id: string }[] = await this.txHost.tx.query(
      'SELECT dead_nation_id FROM shows WHERE show_id = $1',
      [showId],
    );
    return row?.dead_nation_id;
  }

  /** The latest shows by start time, with their seat counters. */
  async list(limit: number): Promise<ShowListing[]> {
    const rows: (Omit<ShowListing, 'start_time'> & { start_time: Date })[] =
      await this.txHost.tx.query(
        `SELECT s.show_id, s.dead_nation_id, s.title, s.venue, s.start_time, s.number_of_tickets,
                c.seats_booked
           FROM shows s JOIN show_seats c USING (show_id)
          ORDER BY s.start_time DESC, s.show_id LIMIT $1`,
        [limit],
      );
    return rows.map((r) => ({ ...r, start_time: r.start_time.toISOString() }));
  }
}
