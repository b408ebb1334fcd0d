import { Injectable } from '@nestjs/common';
import { concatMap, from, mergeMap, Observable } from 'rxjs';
import { Message, MessageSaga } from '../messaging';
import { VIP_BUNDLE_INPUTS, VipBundleInput } from './vip-bundle.process';
import { VipBundlesRepository } from './vip-bundles.repository';

/**
 * The VIP bundle process manager (spec §8) as a @nestjs/cqrs saga: each message it listens to
 * moves its bundle on (decide(), vip-bundle.process.ts) and the saga answers the commands and
 * events that follow. It rides the messaging path (@MessageSaga): its own consumer group, run to
 * completion per message, in the transaction that records the message as handled, so the new
 * state, the dedupe record and the next commands in the outbox commit together or not at all.
 */
@Injectable()
export class VipBundleSaga {
  constructor(private readonly bundles: VipBundlesRepository) {}

  @MessageSaga({ name: 'vip_bundle_process', on: [...VIP_BUNDLE_INPUTS] })
  process = (messages$: Observable<VipBundleInput>): Observable<Message> =>
    messages$.pipe(
      concatMap((message) => this.bundles.advance(message)),
      mergeMap((send) => from(send)),
    );
}
