import { Controller, Get } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { StaffOnly } from '../../platform/security/staff.guard';
import { GetMessagingPanel } from './get-messaging-panel.query';
import { MessagingPanel } from './messaging-panel.dto';

/** Dead letters the panel shows; the rest are counted and re-driven all the same. */
const DEAD_LETTERS_SHOWN = 100;

@ApiTags('ops')
@Controller('ops/messaging')
@StaffOnly()
export class MessagingPanelController {
  constructor(private readonly queryBus: QueryBus) {}

  @Get()
  @ApiOperation({
    summary: 'Consumer groups (pending, lag), the outbox backlog and the newest dead letters',
  })
  @ApiOkResponse({ type: MessagingPanel })
  async panel(): Promise<MessagingPanel> {
    return this.queryBus.execute(new GetMessagingPanel(DEAD_LETTERS_SHOWN));
  }
}
