import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiError, ApiJsonBodyErrors } from '../../platform/http/api-error';
import { CustomerRateLimit } from '../../platform/security/customer-rate-limit';
import { BookVipBundle } from './book-vip-bundle.command';
import { BookVipBundleRequest, BookVipBundleResponse } from './book-vip-bundle.dto';

@ApiTags('vip-bundles')
@Controller('book-vip-bundle')
@CustomerRateLimit()
export class BookVipBundleController {
  constructor(private readonly commandBus: CommandBus) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({
    summary: 'Book show tickets with return flights and a taxi, all or nothing',
    description:
      'Stores the bundle and answers at once; the show tickets, the inbound and return flights ' +
      'and the taxi are then booked one after the other, and a failed step undoes the earlier ' +
      'ones (spec §8). Follow it with GET /api/vip-bundles/{vip_bundle_id}.',
  })
  @ApiCreatedResponse({ type: BookVipBundleResponse })
  @ApiError(
    400,
    'An invalid body: e.g. no passengers, more passengers than tickets, an empty name',
    ['passengers must not have more entries than number_of_tickets'],
  )
  @ApiError(404, 'No such show', 'show e5d6f0a3-2b4c-4d6e-8f90-1a2b3c4d5e6f not found')
  @ApiJsonBodyErrors()
  async book(@Body() body: BookVipBundleRequest): Promise<BookVipBundleResponse> {
    return this.commandBus.execute(new BookVipBundle(body));
  }
}
