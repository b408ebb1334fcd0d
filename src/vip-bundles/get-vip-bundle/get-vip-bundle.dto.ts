import { ApiProperty, ApiPropertyOptions } from '@nestjs/swagger';
import { VipBundleStatus, VipBundleView } from '../vip-bundle.state';

const uuid: ApiPropertyOptions = { format: 'uuid' };
const uuids: ApiPropertyOptions = { type: [String], format: 'uuid' };
const time: ApiPropertyOptions = { type: String, format: 'date-time', nullable: true };

/** The OpenAPI shape of a bundle (spec §8); the answer itself is `viewOf(state)`. */
export class VipBundleResponse implements VipBundleView {
  @ApiProperty(uuid) vip_bundle_id: string;
  @ApiProperty(uuid) booking_id: string;
  @ApiProperty({ format: 'email' }) customer_email: string;
  @ApiProperty(uuid) show_id: string;
  @ApiProperty({ minimum: 1 }) number_of_tickets: number;
  @ApiProperty({ type: [String] }) passengers: string[];
  @ApiProperty({ enum: ['in_progress', 'succeeded', 'failed'] }) status: VipBundleStatus;
  @ApiProperty({ type: String, nullable: true, example: 'taxi: no taxi available' })
  failure_reason: string | null;
  @ApiProperty({
    type: [String],
    format: 'uuid',
    description: 'Show tickets, as Dead Nation confirms them',
  })
  ticket_ids: string[];
  @ApiProperty(uuid) inbound_flight_id: string;
  @ApiProperty(uuids) inbound_flight_ticket_ids: string[];
  @ApiProperty(uuid) return_flight_id: string;
  @ApiProperty(uuids) return_flight_ticket_ids: string[];
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) taxi_booking_id: string | null;
  @ApiProperty({
    type: [String],
    format: 'uuid',
    description: 'Show tickets the bundle had refunded',
  })
  refunded_ticket_ids: string[];
  @ApiProperty({
    type: [String],
    format: 'uuid',
    description: 'Flight tickets the bundle had canceled',
  })
  canceled_flight_ticket_ids: string[];
  @ApiProperty({ type: String, format: 'date-time' }) initialized_at: string;
  @ApiProperty(time) booking_made_at: string | null;
  @ApiProperty(time) inbound_flight_booked_at: string | null;
  @ApiProperty(time) return_flight_booked_at: string | null;
  @ApiProperty(time) taxi_booked_at: string | null;
  @ApiProperty(time) finalized_at: string | null;
}
