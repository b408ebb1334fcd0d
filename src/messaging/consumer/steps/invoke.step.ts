import { Subscription } from '../subscriptions';
import { messageOf, Step } from './step';

/** The handler itself: the last step. */
export function invokeStep(sub: Pick<Subscription, 'invoke'>): Step {
  return async (d) => {
    await sub.invoke(messageOf(d));
    return 'ok';
  };
}
