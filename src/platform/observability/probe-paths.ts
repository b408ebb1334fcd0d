/**
 * `/health` and `/metrics`: probes and scrapes every few seconds. Neither traced nor logged, or
 * they would drown the requests worth seeing. Kept free of imports: tracing.ts loads it before
 * the modules it instruments.
 */
export const PROBE_PATHS = /^\/(health|metrics)(\/|\?|$)/;
