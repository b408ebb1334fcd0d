import { Injectable } from '@nestjs/common';
import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';

/** The Idempotency-Keys of webhook requests already taken in. */
@Injectable()
export class WebhookRequestsRepository {
  constructor(private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>) {}

  /**
   * Records the key; false when it was recorded before. A concurrent duplicate waits here on the
   * key's index entry until the first commits, then sees it.
   */
  async recordFirstSeen(idempotencyKey: string): Promise<boolean> {
    const rows: unknown[] = await this.txHost.tx.query(
      `INSERT INTO webhook_requests (idempotency_key) VALUES ($1)
       ON CONFLICT (idempotency_key) DO NOTHING RETURNING 1`,
      [idempotencyKey],
    );
    return rows.length === 1;
  }
}
