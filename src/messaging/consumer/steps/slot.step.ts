import { Semaphore } from '../semaphore';
import { abandonHandedOver, HandedOver } from './begin-with';
import { Delivery, Step } from './step';

/**
 * Holds one of the process's database connection slots for the attempt. A deferWrites handler
 * holds no connection while it runs, so it takes none (its final write is one statement).
 *
 * `wishOf` is the statement the attempt's transaction begins with: a holder that commits while
 * this attempt waits may send it with its COMMIT and pass its slot on with the transaction
 * begun (beginWith). One not taken by the attempt is rolled back when the attempt ends. An
 * attempt `alone` says none: it is handed nothing, and begins its transaction itself.
 */
export function slotStep(
  slots: Semaphore<HandedOver>,
  deferWrites: boolean,
  wishOf?: (d: Delivery) => string,
): Step {
  if (deferWrites) return (_d, next) => next();
  return (d, next) =>
    slots.use(
      async (slot) => {
        d.slot = slot;
        try {
          return await next();
        } finally {
          d.slot = undefined;
          await abandonHandedOver(slot.takeGift());
        }
      },
      wishOf && !d.alone ? () => wishOf(d) : undefined,
    );
}
