import { BadRequestException, Inject, NotFoundException } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { APP_CONFIG, AppConfig } from '../../platform/config/app.config';
import { initializeVipBundle } from '../vip-bundle.state';
import { VipBundlesRepository } from '../vip-bundles.repository';
import { BookVipBundle } from './book-vip-bundle.command';
import { BookVipBundleResponse } from './book-vip-bundle.dto';

/**
 * The bundle and its VipBundleInitialized_v1 are one statement, written only if the show
 * exists; the seats are taken later by BookShowTickets, so the answer promises nothing yet
 * (GET /api/vip-bundles/:id follows the process).
 */
@CommandHandler(BookVipBundle)
export class BookVipBundleHandler implements ICommandHandler<BookVipBundle> {
  constructor(
    private readonly bundles: VipBundlesRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async execute({ request }: BookVipBundle): Promise<BookVipBundleResponse> {
    const max = this.config.maxTicketsPerBooking;
    const problems = [
      ...(request.number_of_tickets > max
        ? [`number_of_tickets must not be greater than ${max}`]
        : []),
      ...(request.passengers.length > request.number_of_tickets
        ? ['passengers must not have more entries than number_of_tickets']
        : []),
    ];
    if (problems.length > 0) throw new BadRequestException(problems);
    const ids = { vip_bundle_id: randomUUID(), booking_id: randomUUID() };
    const { bundle, event } = initializeVipBundle({ ...request, ...ids });
    if (!(await this.bundles.add(bundle, event))) {
      throw new NotFoundException(`show ${request.show_id} not found`);
    }
    return ids;
  }
}
