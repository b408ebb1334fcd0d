import {
  BadRequestException,
  Body,
  Controller,
  Headers,
  HttpCode,
  Post,
  UseGuards,
} from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBody, ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiError, ApiJsonBodyErrors } from '../../platform/http/api-error';
import { WEBHOOK_BODY_LIMIT } from '../../platform/http/http-body';
import { RecordTicketsStatus } from './tickets-status.command';
import { TicketsStatusRequest } from './tickets-status.dto';
import { TicketsStatusBodyPipe } from './tickets-status.pipe';
import { WebhookSignatureGuard } from './webhook-signature.guard';

@ApiTags('tickets')
@Controller('tickets-status')
export class TicketsStatusController {
  constructor(private readonly commandBus: CommandBus) {}

  @Post()
  @HttpCode(200)
  @UseGuards(WebhookSignatureGuard)
  @ApiOperation({
    summary: 'Dead Nation webhook: tickets confirmed or canceled',
    description:
      'Validated whole first: one invalid ticket rejects the request. The events are committed ' +
      'before the 200; the same Idempotency-Key with the same tickets again has no further effect, ' +
      'with other tickets it is a 422. Unknown fields are ignored. At most 500 tickets.',
  })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: true,
    example: 'c0ffee00-1234-4bcd-8ef0-0123456789ab',
  })
  @ApiHeader({
    name: 'webhook-signature',
    required: false,
    description:
      'Needed with webhook-id and webhook-timestamp when DEAD_NATION_WEBHOOK_SECRET is set: ' +
      'space-separated v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{raw body}"> (Standard Webhooks)',
  })
  @ApiBody({ type: TicketsStatusRequest })
  @ApiOkResponse({ description: 'Taken in (or a replay)', schema: { type: 'object', example: {} } })
  @ApiError(400, 'Missing Idempotency-Key, more than 500 tickets, or an invalid ticket', [
    'tickets.0.status must be one of the following values: confirmed, canceled',
  ])
  @ApiError(401, 'DEAD_NATION_WEBHOOK_SECRET is set and the signature is missing, stale or wrong', [
    'the webhook-signature header matches no signature of this request',
  ])
  @ApiError(
    422,
    'A ticket names a booking this system never made, or the Idempotency-Key was used with ' +
      'other tickets; nothing is written',
    ['tickets.0.booking_id names no booking: 7f1c2e3d-4b5a-4c6d-9e8f-0a1b2c3d4e5f'],
  )
  @ApiJsonBodyErrors(WEBHOOK_BODY_LIMIT)
  async receive(
    @Body(TicketsStatusBodyPipe) body: object,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
  ): Promise<Record<string, never>> {
    const key = idempotencyKey?.trim();
    if (!key) throw new BadRequestException('the Idempotency-Key header is required');
    await this.commandBus.execute(
      new RecordTicketsStatus(key, (body as TicketsStatusRequest).tickets),
    );
    return {};
  }
}
