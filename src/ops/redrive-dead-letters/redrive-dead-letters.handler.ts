import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { Logger } from '@nestjs/common';
import { OpsMessagingStatus } from '../messaging-panel/messaging-status.provider';
import { RedriveDeadLetters } from './redrive-dead-letters.command';

@CommandHandler(RedriveDeadLetters)
export class RedriveDeadLettersHandler implements ICommandHandler<RedriveDeadLetters> {
  private readonly logger = new Logger('dead-letters');

  constructor(private readonly status: OpsMessagingStatus) {}

  async execute({ id }: RedriveDeadLetters): Promise<number> {
    const redriven = await this.status.deadLetters.redrive(id);
    this.logger.log(`re-drove ${redriven} dead letter(s) from the web application`);
    return redriven;
  }
}
