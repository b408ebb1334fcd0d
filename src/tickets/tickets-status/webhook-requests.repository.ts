import { Injectable } from '@nestjs/common';
import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';

/** `new`: first seen; `replay`: seen before with the same request; `conflict`: with another. */
export type KeyUse = 'new' | 'replay' | 'conflict';

/** The Idempotency-Keys of webhook requests already taken in, each with its request's hash. */
@Injectable()
export class WebhookRequestsRepository {
  constructor(private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>) {}

  /**
   * Records the key with the request's hash, or tells how it was used before. A concurrent
   * request with the same key waits here on the key's index entry until the first commits, then
   * reads its hash. A key recorded before hashes were kept (NULL) counts as a replay.
   */
  async record(idempotencyKey: string, requestHash: string): Promise<KeyUse> {
    const inserted: unknown[] = await this.txHost.tx.query(
      `INSERT INTO webhook_requests (idempotency_key, request_hash) VALUES ($1, $2)
       ON CONFLICT (idempotency_key) DO NOTHING RETURNING 1`,
      [idempotencyKey, requestHash],
    );
    if (inserted.length === 1) return 'new';
    const [earlier]: { request_hash: string | null }[] = await this.txHost.tx.query(
      'SELECT request_hash FROM webhook_requests WHERE idempotency_key = $1',
      [idempotencyKey],
    );
    // gone meanwhile (retention): nothing to tell a replay from, so nothing is written
    if (!earlier || earlier.request_hash === null) return 'replay';
    return earlier.request_hash === requestHash ? 'replay' : 'conflict';
  }
}
