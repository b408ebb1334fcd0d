import { Query } from '@nestjs/cqrs';
import { VipBundleView } from '../vip-bundle.state';

/** Where one bundle's process stands. */
export class GetVipBundle extends Query<VipBundleView> {
  constructor(readonly vipBundleId: string) {
    super();
  }
}
