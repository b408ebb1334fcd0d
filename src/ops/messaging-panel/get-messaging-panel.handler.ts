import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { GetMessagingPanel } from './get-messaging-panel.query';
import { DeadLetterDto, MessagingPanel } from './messaging-panel.dto';
import { OpsMessagingStatus } from './messaging-status.provider';

@QueryHandler(GetMessagingPanel)
export class GetMessagingPanelHandler implements IQueryHandler<GetMessagingPanel> {
  constructor(private readonly status: OpsMessagingStatus) {}

  async execute({ deadLetterLimit }: GetMessagingPanel): Promise<MessagingPanel> {
    const [groups, outbox, letters] = await Promise.all([
      this.status.groups(),
      this.status.outbox(),
      this.status.deadLetters.newest(deadLetterLimit),
    ]);
    return {
      groups,
      outbox,
      dead_letter_count: letters.count,
      dead_letters: letters.items.map((l): DeadLetterDto => ({
        id: l.id,
        stream: l.stream,
        group: l.group,
        handler: l.handler,
        name: l.name,
        message_id: l.messageId,
        error: l.error,
        deliveries: l.deliveries,
        at: l.at,
      })),
    };
  }
}
