import { Message, MessageRegistry } from '../../message';
import { Acker } from './ack.step';
import { DeadLetters } from './dead-letter.step';
import { Step, StreamEntry } from './step';

/** The entry's message; throws when its name is unknown or its payload does not parse. */
export function decodeEntry(entry: StreamEntry): Message {
  return MessageRegistry.decode(entry.fields.name, entry.fields.payload);
}

/**
 * Turns the entry into its message. A re-drive meant for another group is only acknowledged;
 * an undecodable entry is dead-lettered at once (retrying cannot fix it).
 */
export function decodeStep(group: string, acker: Acker, deadLetters: DeadLetters): Step {
  return async (d, next) => {
    const { redrive_for } = d.entry.fields;
    if (redrive_for && redrive_for !== group) {
      await acker.ack([d.entry]);
      return 'not-ours';
    }
    try {
      d.message = decodeEntry(d.entry);
    } catch (e) {
      await deadLetters.send(d.entry, e, d.delivery);
      return 'dead-lettered';
    }
    return next();
  };
}
