import pg from 'pg';
import {
  isOutOfConnectionSlots,
  SlotWaitingPool,
  slotWaitingPg,
  withConnectionSlot,
} from './connection-slots';

const full = () => Object.assign(new Error('sorry, too many clients already'), { code: '53300' });

describe('waiting for a PostgreSQL connection slot', () => {
  afterEach(() => jest.restoreAllMocks());

  it('tells 53300 from other connection errors', () => {
    expect(isOutOfConnectionSlots(full())).toBe(true);
    expect(isOutOfConnectionSlots({ code: '57P03' })).toBe(false);
    expect(isOutOfConnectionSlots(new Error('sorry, too many clients already'))).toBe(false);
    expect(isOutOfConnectionSlots(undefined)).toBe(false);
  });

  it('asks again while the server is full, and gets the connection once a slot frees', async () => {
    let calls = 0;
    const connect = async () => {
      if (++calls <= 3) throw full();
      return 'connected';
    };
    await expect(withConnectionSlot(connect, 10_000)).resolves.toBe('connected');
    expect(calls).toBe(4);
  });

  it('fails at once on any other error', async () => {
    let calls = 0;
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const connect = async () => {
      calls++;
      throw refused;
    };
    await expect(withConnectionSlot(connect, 10_000)).rejects.toBe(refused);
    expect(calls).toBe(1);
  });

  it('gives up with the server’s error once the wait is over', async () => {
    let calls = 0;
    const connect = async () => {
      calls++;
      throw full();
    };
    await expect(withConnectionSlot(connect, 300)).rejects.toMatchObject({ code: '53300' });
    expect(calls).toBeGreaterThan(1);
  });

  describe('SlotWaitingPool', () => {
    const client = { release: jest.fn() } as unknown as pg.PoolClient;
    let calls = 0;
    beforeEach(() => {
      calls = 0;
      // pg.Pool's own connect: refused twice for want of a slot, then a client.
      jest.spyOn(pg.Pool.prototype, 'connect').mockImplementation((async () => {
        if (++calls <= 2) throw full();
        return client;
      }) as never);
    });

    it('waits for a slot when connected to with a promise', async () => {
      const pool = new SlotWaitingPool({ connectionTimeoutMillis: 10_000 });
      await expect(pool.connect()).resolves.toBe(client);
      expect(calls).toBe(3);
    });

    it('waits for a slot when connected to with a callback (as TypeORM and pool.query do)', async () => {
      const pool = new SlotWaitingPool({ connectionTimeoutMillis: 10_000 });
      const [err, got, done] = await new Promise<unknown[]>((resolve) =>
        pool.connect((...args) => resolve(args)),
      );
      expect(err).toBeUndefined();
      expect(got).toBe(client);
      expect(calls).toBe(3);
      (done as () => void)();
      expect(client.release).toHaveBeenCalled();
    });

    it('hands the callback the error once its connectionTimeoutMillis is over', async () => {
      jest.spyOn(pg.Pool.prototype, 'connect').mockImplementation((async () => {
        throw full();
      }) as never);
      const pool = new SlotWaitingPool({ connectionTimeoutMillis: 200 });
      const [err, got] = await new Promise<unknown[]>((resolve) =>
        pool.connect((...args) => resolve(args)),
      );
      expect(err).toMatchObject({ code: '53300' });
      expect(got).toBeUndefined();
    });

    it('is the Pool TypeORM gets through the driver option, the rest of pg unchanged', () => {
      expect(slotWaitingPg.Pool).toBe(SlotWaitingPool);
      expect(slotWaitingPg.Client).toBe(pg.Client);
      expect(slotWaitingPg.types).toBe(pg.types);
    });
  });
});
