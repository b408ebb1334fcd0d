import { SERVICES, ServiceName, SimulatorSettings } from './simulator-settings';

export type Fault = 'error' | 'timeout';

/** mulberry32: tiny, fast, and the same sequence for the same seed on every machine. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Decides, call by call, whether a service misbehaves. Each service draws from its own seeded
 * sequence, so one service's traffic does not change another's faults and a run can be repeated.
 */
export class FaultInjector {
  private random = new Map<ServiceName, () => number>();

  constructor(private readonly settings: SimulatorSettings) {
    this.reseed();
  }

  reseed(): void {
    SERVICES.forEach((service, i) =>
      this.random.set(service, seededRandom(this.settings.seed * 31 + i * 0x9e3779b1)),
    );
  }

  draw(service: ServiceName): Fault | null {
    const f = this.settings.faults[service];
    if (f.timeout_next > 0) {
      f.timeout_next--;
      return 'timeout';
    }
    if (f.fail_next > 0) {
      f.fail_next--;
      return 'error';
    }
    if (f.error_rate === 0 && f.timeout_rate === 0) return null;
    const r = this.random.get(service)!();
    if (r < f.timeout_rate) return 'timeout';
    if (r < f.timeout_rate + f.error_rate) return 'error';
    return null;
  }
}
