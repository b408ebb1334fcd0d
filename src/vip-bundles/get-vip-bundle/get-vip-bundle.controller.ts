import { Controller, Get, Param } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { UuidParamPipe } from '../../platform/common/uuid';
import { ApiError } from '../../platform/http/api-error';
import { VipBundleView } from '../vip-bundle.state';
import { VipBundleResponse } from './get-vip-bundle.dto';
import { GetVipBundle } from './get-vip-bundle.query';

@ApiTags('vip-bundles')
@Controller('vip-bundles')
export class GetVipBundleController {
  constructor(private readonly queryBus: QueryBus) {}

  @Get(':vip_bundle_id')
  @ApiOperation({ summary: 'Where a VIP bundle stands: its steps, tickets and compensation' })
  @ApiParam({ name: 'vip_bundle_id', format: 'uuid' })
  @ApiOkResponse({ type: VipBundleResponse })
  @ApiError(400, 'vip_bundle_id is not a UUID', 'vip_bundle_id must be a UUID')
  @ApiError(404, 'No such bundle', 'vip bundle 3c2b1a09-8f7e-4d6c-9b5a-4e3d2c1b0a98 not found')
  async one(
    @Param('vip_bundle_id', new UuidParamPipe('vip_bundle_id')) id: string,
  ): Promise<VipBundleView> {
    return this.queryBus.execute(new GetVipBundle(id));
  }
}
