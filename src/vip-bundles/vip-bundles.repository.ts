import { Injectable } from '@nestjs/common';
import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { Message, OutboxWriter } from '../messaging';
import { bundleOf, decide, VipBundleInput } from './vip-bundle.process';
import { VipBundle } from './vip-bundle.state';

/** The `vip_bundles` rows: one JSON state per bundle, changed only by decide(). */
@Injectable()
export class VipBundlesRepository {
  constructor(
    private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>,
    private readonly outbox: OutboxWriter,
  ) {}

  /**
   * Stores a new bundle with its VipBundleInitialized_v1 in one statement, only if the show
   * exists: false (and nothing written) for an unknown show.
   */
  async add(bundle: VipBundle, initialized: Message): Promise<boolean> {
    const rows = await this.outbox.changeWith(
      {
        ctes: [
          [
            'bundle',
            `INSERT INTO vip_bundles (vip_bundle_id, booking_id, show_id, status, state)
             SELECT $1, $2, show_id, $4, $5::jsonb FROM shows WHERE show_id = $3
             RETURNING vip_bundle_id`,
          ],
        ],
        params: [
          bundle.vip_bundle_id,
          bundle.booking_id,
          bundle.show_id,
          bundle.status,
          JSON.stringify(bundle),
        ],
      },
      [initialized],
    );
    return rows.length === 1;
  }

  async find(vipBundleId: string): Promise<VipBundle | undefined> {
    const [row]: { state: VipBundle }[] = await this.txHost.tx.query(
      'SELECT state FROM vip_bundles WHERE vip_bundle_id = $1',
      [vipBundleId],
    );
    return row?.state;
  }

  /**
   * Moves the bundle a message is about one step on, in the caller's transaction (the one that
   * records the message as handled): locks its row, decides, stores the new state, and answers
   * what to send next. The lock serialises two messages of one bundle handled at once; a
   * message about no bundle (an ordinary booking's) answers nothing.
   */
  async advance(message: VipBundleInput): Promise<Message[]> {
    const about = bundleOf(message);
    const [column, id] =
      'vip_bundle_id' in about
        ? ['vip_bundle_id', about.vip_bundle_id]
        : ['booking_id', about.booking_id];
    const [row]: { state: VipBundle }[] = await this.txHost.tx.query(
      `SELECT state FROM vip_bundles WHERE ${column} = $1 FOR UPDATE`,
      [id.toLowerCase()],
    );
    if (!row) return [];
    const { bundle, send, changed } = decide(row.state, message);
    if (!changed) return [];
    await this.txHost.tx.query(
      `UPDATE vip_bundles SET state = $2::jsonb, status = $3, updated_at = now()
        WHERE vip_bundle_id = $1`,
      [bundle.vip_bundle_id, JSON.stringify(bundle), bundle.status],
    );
    return send;
  }
}
