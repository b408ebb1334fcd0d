import { Command } from '@nestjs/cqrs';

export interface NewShowFields {
  dead_nation_id: string;
  number_of_tickets: number;
  start_time: string;
  title: string;
  venue: string;
}

/** Adds a show Dead Nation sells tickets for; answers the new show's id. */
export class CreateShow extends Command<string> {
  constructor(readonly show: NewShowFields) {
    super();
  }
}
