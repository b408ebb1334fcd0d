import { ApiProperty } from '@nestjs/swagger';

export class GroupStatusDto {
  @ApiProperty({ example: 'tickets.print_ticket' }) group: string;
  @ApiProperty({ example: 'events.TicketBookingConfirmed_v1' }) stream: string;
  @ApiProperty({ description: 'Delivered, not acknowledged yet' }) pending: number;
  @ApiProperty({
    description: 'On the stream, not read yet (null: Redis cannot tell)',
    nullable: true,
    type: Number,
  })
  lag: number | null;
  @ApiProperty({ description: 'false: Redis lost the group; its consumer creates it again' })
  present: boolean;
}

export class OutboxStatusDto {
  @ApiProperty({ description: 'Outbox rows not published yet' }) backlog: number;
  @ApiProperty({ description: 'Age of the oldest unpublished row (0 when none)' })
  oldest_age_seconds: number;
}

export class DeadLetterDto {
  @ApiProperty({
    description: 'The entry id in the dead-letter stream',
    example: '1764201600000-0',
  })
  id: string;
  @ApiProperty({ example: 'events.TicketBookingConfirmed_v1' }) stream: string;
  @ApiProperty({ example: 'tickets.issue_receipt' }) group: string;
  @ApiProperty({ example: 'issue_receipt' }) handler: string;
  @ApiProperty({ example: 'TicketBookingConfirmed_v1' }) name: string;
  @ApiProperty() message_id: string;
  @ApiProperty({ description: 'The last error' }) error: string;
  @ApiProperty() deliveries: number;
  @ApiProperty({ description: 'When it was dead-lettered' }) at: string;
}

export class MessagingPanel {
  @ApiProperty({ type: [GroupStatusDto] }) groups: GroupStatusDto[];
  @ApiProperty({ type: OutboxStatusDto }) outbox: OutboxStatusDto;
  @ApiProperty({ description: 'Entries in the dead-letter stream' }) dead_letter_count: number;
  @ApiProperty({ type: [DeadLetterDto], description: 'The newest dead letters, newest first' })
  dead_letters: DeadLetterDto[];
}
