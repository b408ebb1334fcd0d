import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 13 (spec §8): the VIP bundle process's state, one row per bundle. The process state
 * (src/vip-bundles/vip-bundle.state.ts, `VipBundle`) is one JSON document, read and written
 * whole by decide(); the columns beside it are what is looked up or watched: the bundle by its
 * booking (the show booking's events carry only the booking id) and the bundles in progress.
 */
export class VipBundles1764202300000 implements MigrationInterface {
  name = 'VipBundles1764202300000';

  async up(q: QueryRunner): Promise<void> {
    // booking_id has no foreign key: the bundle is stored first, its booking is made later by
    // BookShowTickets (and never, when the show has too few seats).
    await q.query(`
      CREATE TABLE vip_bundles (
        vip_bundle_id uuid        PRIMARY KEY,
        booking_id    uuid        NOT NULL UNIQUE,
        show_id       uuid        NOT NULL REFERENCES shows (show_id),
        status        text        NOT NULL DEFAULT 'in_progress'
                                  CHECK (status IN ('in_progress', 'succeeded', 'failed')),
        state         jsonb       NOT NULL,
        created_at    timestamptz NOT NULL DEFAULT now(),
        updated_at    timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE INDEX vip_bundles_in_progress ON vip_bundles (created_at) WHERE status = 'in_progress'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE vip_bundles`);
  }
}
