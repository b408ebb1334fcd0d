import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiError, ApiJsonBodyErrors } from '../../platform/http/api-error';
import { BookTickets } from './book-tickets.command';
import { BookTicketsRequest, BookTicketsResponse } from './book-tickets.dto';
import { CustomerRateLimit } from '../../platform/security/customer-rate-limit';

@ApiTags('bookings')
@Controller('book-tickets')
@CustomerRateLimit()
export class BookTicketsController {
  constructor(private readonly commandBus: CommandBus) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({
    summary: 'Book seats of a show',
    description:
      'Never sells more seats than the show has, nor more than MAX_TICKETS_PER_BOOKING in one ' +
      'booking. Dead Nation confirms the tickets later; a booking it refuses for good gives its ' +
      'seats back (BookingFailed_v1).',
  })
  @ApiCreatedResponse({ type: BookTicketsResponse })
  @ApiError(
    400,
    'Not enough seats left, more than MAX_TICKETS_PER_BOOKING seats, or an invalid body',
    'not enough seats available',
  )
  @ApiError(404, 'No such show', 'show e5d6f0a3-2b4c-4d6e-8f90-1a2b3c4d5e6f not found')
  @ApiJsonBodyErrors()
  async book(@Body() body: BookTicketsRequest): Promise<BookTicketsResponse> {
    return { booking_id: await this.commandBus.execute(new BookTickets(body)) };
  }
}
