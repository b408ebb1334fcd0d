import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiError, ApiJsonBodyErrors } from '../../platform/http/api-error';
import { CreateShow } from './create-show.command';
import { CreateShowRequest, CreateShowResponse } from './create-show.dto';
import { StaffOnly } from '../../platform/security/staff.guard';

@ApiTags('shows')
@Controller('shows')
@StaffOnly()
export class CreateShowController {
  constructor(private readonly commandBus: CommandBus) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Add a show that Dead Nation sells tickets for' })
  @ApiCreatedResponse({ type: CreateShowResponse })
  @ApiError(400, 'Invalid body', [
    'start_time must be an RFC 3339 date-time from year 0001 with a UTC offset within ±15:59, e.g. 2030-05-01T20:00:00Z',
  ])
  @ApiError(
    409,
    'The Dead Nation event already has a show',
    'a show for dead_nation_id 0b7e8cb1-5c3b-4e89-9bd5-8cc5a1b4a9a1 already exists',
  )
  @ApiJsonBodyErrors()
  async create(@Body() body: CreateShowRequest): Promise<CreateShowResponse> {
    const show_id = await this.commandBus.execute(new CreateShow(body));
    return { show_id };
  }
}
