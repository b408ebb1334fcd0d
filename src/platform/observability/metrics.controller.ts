import { Controller, Get, Res } from '@nestjs/common';
import { PrometheusController } from '@willsoto/nestjs-prometheus';
import { Response } from 'express';
import { StaffOnly } from '../security/staff.guard';

/** `GET /metrics`, behind the staff token like every staff endpoint (spec §9). */
@Controller()
@StaffOnly()
export class MetricsController extends PrometheusController {
  @Get()
  async index(@Res({ passthrough: true }) response: Response): Promise<string> {
    return super.index(response);
  }
}
