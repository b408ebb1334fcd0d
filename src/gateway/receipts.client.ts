import { Injectable } from '@nestjs/common';
import { GatewayError } from './gateway.error';
import { GatewayHttp } from './gateway.http';

export interface IssueReceiptRequest {
  ticket_id: string;
  price: { money_amount: string; money_currency: string };
  /** The service answers a repeated key with the first receipt. */
  idempotency_key: string;
}

export interface VoidReceiptRequest {
  ticket_id: string;
  reason: string;
  idempotent_id: string;
}

@Injectable()
export class ReceiptsClient {
  constructor(private readonly http: GatewayHttp) {}

  /** 201 for a new receipt, 200 with the first one for a repeated key: both are the receipt. */
  async issueReceipt(req: IssueReceiptRequest): Promise<{ number: string; issued_at: string }> {
    const call = 'Receipts issueReceipt';
    const { data, status } = await this.http.send<{ number?: unknown; issued_at?: unknown }>(call, {
      method: 'PUT',
      url: '/receipts-api/receipts',
      data: req,
    });
    if (typeof data?.number !== 'string' || typeof data.issued_at !== 'string') {
      throw new GatewayError(call, 'answer lacks number or issued_at', status, false, 1);
    }
    return { number: data.number, issued_at: data.issued_at };
  }

  async voidReceipt(req: VoidReceiptRequest): Promise<void> {
    await this.http.send('Receipts voidReceipt', {
      method: 'PUT',
      url: '/receipts-api/void-receipt',
      data: req,
    });
  }
}
