/**
 * Errors that say the database connection is gone (restart, failover, network), not that the
 * message is bad. They must not use up a message's delivery budget: a PostgreSQL restart longer
 * than the retry schedule would otherwise dead-letter everything in flight.
 */
const SQLSTATE = /^(08|57P0[1-3]|53300)/; // connection exception, shutdown, too many connections
const NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH']);
const MESSAGES = [
  /Connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /the database system is (starting up|shutting down)/i,
  /terminating connection/i,
  /Client has encountered a connection error/i,
  /already released/i, // TypeORM's query runner, after its connection died mid-transaction
];

export function isInfrastructureError(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  const e = error as {
    name?: string;
    code?: string;
    message?: string;
    driverError?: unknown;
    isAxiosError?: boolean;
  };
  // An external service that cannot be reached is the handler's failure, counted as such.
  if (e.isAxiosError || e.name === 'GatewayError') return false;
  if (e.driverError && isInfrastructureError(e.driverError)) return true;
  if (typeof e.code === 'string' && (SQLSTATE.test(e.code) || NODE_CODES.has(e.code))) return true;
  return MESSAGES.some((m) => m.test(e.message ?? ''));
}
