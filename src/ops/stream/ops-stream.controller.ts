import { Controller, MessageEvent, Sse } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { interval, map, merge, Observable } from 'rxjs';
import { StaffOnly } from '../../platform/security/staff.guard';
import { OpsUpdates } from './ops-updates';

/** A comment line now and then keeps proxies from closing a quiet stream. */
const KEEPALIVE_MS = 15_000;

@ApiTags('ops')
@Controller('ops/stream')
@StaffOnly()
export class OpsStreamController {
  constructor(private readonly updates: OpsUpdates) {}

  @Sse()
  @ApiOperation({
    summary: 'Server-Sent Events: each changed ops booking document, as it changes',
    description:
      'Event `booking`: one OpsBooking (spec §5) each time the read model changes it; event `ping` every 15 s. With ADMIN_TOKENS set, read it with fetch and the bearer header (EventSource cannot send one).',
  })
  @ApiProduces('text/event-stream')
  @ApiOkResponse({ description: 'text/event-stream' })
  stream(): Observable<MessageEvent> {
    return merge(
      this.updates.follow().pipe(map((doc) => ({ type: 'booking', data: doc }))),
      interval(KEEPALIVE_MS).pipe(map(() => ({ type: 'ping', data: '' }))),
    );
  }
}
