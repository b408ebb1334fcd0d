import { FactoryProvider, ModuleMetadata } from '@nestjs/common';

/**
 * One part this process needs to do its work, as /health reports it under `key`. The layers
 * above the platform (messaging's consumers and relay, Redis) contribute their own, so health
 * knows none of them.
 */
export interface ReadinessCheck {
  readonly key: string;
  /** null while the part works, else what is wrong (the message /health shows). */
  problem(): Promise<string | null> | string | null;
  /** Releases what the check holds (a connection of its own), at application shutdown. */
  close?(): void;
}

export const READINESS_CHECKS = Symbol('READINESS_CHECKS');

/** How the application hands its checks to the health module (a Nest factory provider). */
export interface ReadinessChecksFactory extends Pick<ModuleMetadata, 'imports'> {
  inject?: FactoryProvider['inject'];
  useFactory: (...deps: any[]) => ReadinessCheck[];
}

/** A check whose probe must answer within `timeoutMs`; a rejection or the timeout is the problem. */
export function probeCheck(
  key: string,
  probe: () => Promise<unknown>,
  timeoutMs: number,
  close?: () => void,
): ReadinessCheck {
  return {
    key,
    close,
    async problem() {
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          probe(),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error('timeout')), timeoutMs);
          }),
        ]);
        return null;
      } catch (e) {
        return e?.message ?? String(e);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
