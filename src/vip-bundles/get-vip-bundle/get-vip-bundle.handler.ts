import { NotFoundException } from '@nestjs/common';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { viewOf, VipBundleView } from '../vip-bundle.state';
import { VipBundlesRepository } from '../vip-bundles.repository';
import { GetVipBundle } from './get-vip-bundle.query';

@QueryHandler(GetVipBundle)
export class GetVipBundleHandler implements IQueryHandler<GetVipBundle> {
  constructor(private readonly bundles: VipBundlesRepository) {}

  async execute({ vipBundleId }: GetVipBundle): Promise<VipBundleView> {
    const bundle = await this.bundles.find(vipBundleId);
    if (!bundle) throw new NotFoundException(`vip bundle ${vipBundleId} not found`);
    return viewOf(bundle);
  }
}
