import { Semaphore } from './semaphore';

describe('Semaphore', () => {
  it('never runs more than its size at once, and runs everything', async () => {
    const s = new Semaphore(3);
    let running = 0;
    let peak = 0;
    const done: number[] = [];
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        s.use(async () => {
          running++;
          peak = Math.max(peak, running);
          await new Promise((r) => setTimeout(r, Math.random() * 5));
          running--;
          done.push(i);
        }),
      ),
    );
    expect(peak).toBe(3);
    expect(done.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('releases its slot when the work throws', async () => {
    const s = new Semaphore(1);
    await expect(s.use(() => Promise.reject(new Error('x')))).rejects.toThrow('x');
    await expect(s.use(async () => 'ok')).resolves.toBe('ok');
  });
});
