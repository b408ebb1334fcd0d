import { Query } from '@nestjs/cqrs';
import { MessagingPanel } from './messaging-panel.dto';

/** The consumer groups, the outbox backlog and the newest dead letters, read now. */
export class GetMessagingPanel extends Query<MessagingPanel> {
  constructor(readonly deadLetterLimit: number) {
    super();
  }
}
