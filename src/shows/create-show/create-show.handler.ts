import { ConflictException } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { ShowsRepository } from '../shows.repository';
import { CreateShow } from './create-show.command';

/** One statement (the show and its seat counter), so no transaction is needed around it. */
@CommandHandler(CreateShow)
export class CreateShowHandler implements ICommandHandler<CreateShow> {
  constructor(private readonly shows: ShowsRepository) {}

  async execute({ show }: CreateShow): Promise<string> {
    const show_id = randomUUID();
    if (!(await this.shows.add({ show_id, ...show }))) {
      throw new ConflictException(
        `a show for dead_nation_id ${show.dead_nation_id} already exists`,
      );
    }
    return show_id;
  }
}
