import { IntegrationEvent, Message } from '../messaging';

/** Internal: on its own stream, never in the events store (spec §3). */
@IntegrationEvent('InternalOpsReadModelUpdated', { stored: false })
export class InternalOpsReadModelUpdated extends Message {
  booking_id: string;
}
