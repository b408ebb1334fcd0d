import { Message } from '../../message';
import { chain, Delivery, messageIdOf, runOf, Step } from './step';
import { WAIT_IN_PLACE } from './retry.step';

const delivery = (): Delivery => ({
  entry: { key: 't:events.X_v1', destination: 'events.X_v1', id: '1-0', fields: { name: 'X_v1' } },
  delivery: 1,
  offTask: WAIT_IN_PLACE,
});

describe('chain: steps wrapping each other in order', () => {
  it('runs each step around the rest, as middleware', async () => {
    const seen: string[] = [];
    const step =
      (name: string): Step =>
      async (_d, next) => {
        seen.push(`${name} before`);
        const outcome = await next();
        seen.push(`${name} after ${outcome}`);
        return outcome;
      };
    const last: Step = async () => {
      seen.push('last');
      return 'ok';
    };
    expect(await chain([step('a'), step('b'), last])(delivery())).toBe('ok');
    expect(seen).toEqual(['a before', 'b before', 'last', 'b after ok', 'a after ok']);
  });

  it('lets a step stop the chain without calling next', async () => {
    const last = jest.fn(async () => 'ok' as const);
    const stop: Step = async () => 'duplicate';
    expect(await chain([stop, last])(delivery())).toBe('duplicate');
    expect(last).not.toHaveBeenCalled();
  });

  it('refuses a last step that calls next', async () => {
    await expect(chain([(_d, next) => next()])(delivery())).rejects.toThrow(/last step/);
  });
});

describe('the message id and the run of a delivery', () => {
  const message = { header: { id: 'AAAA-1' } } as Message;

  it('dedupes on the entry’s message_id, else the header id, lower case', () => {
    const d = delivery();
    expect(messageIdOf(d.entry, message)).toBe('aaaa-1');
    d.entry.fields.message_id = 'BBBB-2';
    expect(messageIdOf(d.entry, message)).toBe('bbbb-2');
  });

  it('names the attempt with its delivery count, and needs the decode step first', () => {
    const d = delivery();
    expect(() => runOf('h', d)).toThrow(/decode/);
    d.message = message;
    d.delivery = 3;
    expect(runOf('h', d)).toEqual({
      handler: 'h',
      name: 'X_v1',
      destination: 'events.X_v1',
      messageId: 'aaaa-1',
      delivery: 3,
    });
  });
});
