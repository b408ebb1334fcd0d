import { Semaphore } from '../semaphore';
import { Step } from './step';

/**
 * Holds one of the process's database connection slots for the attempt. A deferWrites handler
 * holds no connection while it runs, so it takes none (its final write is one statement).
 */
export function slotStep(slots: Semaphore, deferWrites: boolean): Step {
  return deferWrites ? (_d, next) => next() : (_d, next) => slots.use(next);
}
