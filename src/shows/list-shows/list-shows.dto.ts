import { ApiProperty } from '@nestjs/swagger';

export class ShowListing {
  @ApiProperty({ format: 'uuid' }) show_id: string;
  @ApiProperty({ format: 'uuid' }) dead_nation_id: string;
  @ApiProperty({ example: 'The Opera' }) title: string;
  @ApiProperty({ example: 'Royal Hall' }) venue: string;
  @ApiProperty({ example: '2030-05-01T20:00:00.000Z' }) start_time: string;
  @ApiProperty({ description: 'Seats the show has' }) number_of_tickets: number;
  @ApiProperty({ description: 'Seats booked so far' }) seats_booked: number;
}
