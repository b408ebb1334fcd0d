import { invokeStep } from './invoke.step';
import { WAIT_IN_PLACE } from './retry.step';
import { Delivery } from './step';

describe('invokeStep', () => {
  it('hands the decoded message to the handler', async () => {
    const message = { header: { id: 'm' } } as any;
    const invoke = jest.fn(async () => undefined);
    const d: Delivery = {
      entry: { key: 'k', destination: 'd', id: '1-0', fields: {} },
      delivery: 1,
      message,
      offTask: WAIT_IN_PLACE,
    };
    expect(await invokeStep({ invoke })(d, jest.fn())).toBe('ok');
    expect(invoke).toHaveBeenCalledWith(message);
  });

  it('fails as the handler fails', async () => {
    const invoke = async () => {
      throw new Error('no such show');
    };
    const d = { entry: {}, delivery: 1, message: {} } as unknown as Delivery;
    await expect(invokeStep({ invoke })(d, jest.fn())).rejects.toThrow('no such show');
  });
});
