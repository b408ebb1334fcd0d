import { Command } from '@nestjs/cqrs';

/** Puts one dead letter (by its entry id) or all of them back to the group that failed them. */
export class RedriveDeadLetters extends Command<number> {
  constructor(readonly id?: string) {
    super();
  }
}
