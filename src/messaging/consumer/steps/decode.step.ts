import { decodeMessage, redriveFor } from '../../streams/stream-entry';
import { Acker } from './ack.step';
import { DeadLetters } from './dead-letter.step';
import { Step } from './step';

/**
 * Turns the entry into its message. A re-drive meant for another group is only acknowledged;
 * an undecodable entry is dead-lettered at once (retrying cannot fix it).
 */
export function decodeStep(group: string, acker: Acker, deadLetters: DeadLetters): Step {
  return async (d, next) => {
    const meantFor = redriveFor(d.entry);
    if (meantFor && meantFor !== group) {
      await acker.ack([d.entry]);
      return 'not-ours';
    }
    try {
      d.message = decodeMessage(d.entry);
    } catch (e) {
      await deadLetters.send(d.entry, e, d.delivery);
      return 'dead-lettered';
    }
    return next();
  };
}
