import { IntegrationEvent, Message } from '../../messaging';

/** The bundle's one end (spec §8): emitted once, whatever is redelivered afterwards. */
@IntegrationEvent('VipBundleFinalized_v1')
export class VipBundleFinalized_v1 extends Message {
  vip_bundle_id: string;
  success: boolean;
}
