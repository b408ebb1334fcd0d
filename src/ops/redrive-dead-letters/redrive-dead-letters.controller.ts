import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiJsonBodyErrors } from '../../platform/http/api-error';
import { StaffOnly } from '../../platform/security/staff.guard';
import { RedriveDeadLetters } from './redrive-dead-letters.command';
import { RedriveDeadLettersRequest, RedriveDeadLettersResponse } from './redrive-dead-letters.dto';

@ApiTags('ops')
@Controller('ops/dead-letters')
@StaffOnly()
export class RedriveDeadLettersController {
  constructor(private readonly commandBus: CommandBus) {}

  @Post('redrive')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Re-drive dead letters to the consumer group that failed them (as `npm run dlq -- redrive`)',
  })
  @ApiOkResponse({ type: RedriveDeadLettersResponse })
  @ApiJsonBodyErrors()
  async redrive(@Body() body: RedriveDeadLettersRequest): Promise<RedriveDeadLettersResponse> {
    const redriven = await this.commandBus.execute(new RedriveDeadLetters(body.id));
    return { redriven };
  }
}
