import { randomUUID } from 'node:crypto';
import { ClsService } from 'nestjs-cls';
import { CORRELATION_ID } from '../../../platform/context/request-context';
import { Step } from './step';

/**
 * Runs the rest in a CLS context of its own carrying the message's correlation id (a fresh one
 * if it came without). Nested in another context (a batch's transaction), it inherits that.
 */
export function contextStep(cls: ClsService): Step {
  return (d, next) =>
    cls.run(() => {
      cls.set(CORRELATION_ID, d.entry.fields.correlation_id || randomUUID());
      return next();
    });
}
