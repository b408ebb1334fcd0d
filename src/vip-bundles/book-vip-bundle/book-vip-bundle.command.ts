import { Command } from '@nestjs/cqrs';
import { BookVipBundleRequest, BookVipBundleResponse } from './book-vip-bundle.dto';

/** Stores a new bundle; its process starts when VipBundleInitialized_v1 comes back. */
export class BookVipBundle extends Command<BookVipBundleResponse> {
  constructor(readonly request: BookVipBundleRequest) {
    super();
  }
}
