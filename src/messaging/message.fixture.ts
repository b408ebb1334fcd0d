import { IntegrationEvent, Message } from './message';

/** A message of messaging's own unit tests: they must not lean on a feature's messages. */
@IntegrationEvent('OrderPlaced_v1')
export class OrderPlaced_v1 extends Message {
  order_id: string;
  shop_id: string;
  quantity: number;
  customer_email: string;
}
