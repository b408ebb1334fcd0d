import { Injectable } from '@nestjs/common';
import { GatewayHttp } from './gateway.http';

export interface RefundRequest {
  /** The ticket id. */
  payment_reference: string;
  reason: string;
  /** The service refunds a repeated deduplication_id once. */
  deduplication_id: string;
}

@Injectable()
export class PaymentsClient {
  constructor(private readonly http: GatewayHttp) {}

  async refund(req: RefundRequest): Promise<void> {
    await this.http.send('Payments refund', {
      method: 'PUT',
      url: '/payments-api/refunds',
      data: req,
    });
  }
}
