import { ArgumentMetadata, BadRequestException, Injectable, ValidationPipe } from '@nestjs/common';
import {
  MAX_TICKETS_PER_REQUEST,
  TicketsStatusRequest,
  TOO_MANY_TICKETS,
} from './tickets-status.dto';

/**
 * The webhook's body, validated at about the cost of reading it: a list longer than the cap is
 * refused before class-transformer builds an instance per ticket, each field stops at its first
 * broken rule, and the messages answered are bounded. (Validating 340,000 empty tickets in full
 * once ran the app out of heap.)
 *
 * Unknown fields are stripped here instead of refused (a third party's format). The controller
 * types the body `object`, so the global pipe, which refuses them, leaves it to this one.
 */
@Injectable()
export class TicketsStatusBodyPipe extends ValidationPipe {
  constructor() {
    super({
      whitelist: true,
      forbidNonWhitelisted: false,
      transform: true,
      expectedType: TicketsStatusRequest,
      stopAtFirstError: true,
      maxErrorMessagesLength: 2_000,
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const tickets = (value as { tickets?: unknown } | null)?.tickets;
    if (Array.isArray(tickets) && tickets.length > MAX_TICKETS_PER_REQUEST) {
      throw new BadRequestException([TOO_MANY_TICKETS]);
    }
    return super.transform(value, metadata);
  }
}
