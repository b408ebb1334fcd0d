import { Command } from '@nestjs/cqrs';
import { TicketStatusDto } from './tickets-status.dto';

/** Records what Dead Nation tells of its tickets (confirmed, canceled), once per request key. */
export class RecordTicketsStatus extends Command<void> {
  constructor(
    readonly idempotencyKey: string,
    readonly tickets: TicketStatusDto[],
  ) {
    super();
  }
}
