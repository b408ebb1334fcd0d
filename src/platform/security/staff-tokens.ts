import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/**
 * ADMIN_TOKENS (spec §9). Tokens are compared as SHA-256 digests with timingSafeEqual: the
 * digests always have the same length, so neither a token's length nor its first differing
 * character shows in the time an answer takes; and every token is compared, matched or not.
 */
export class StaffTokens {
  private readonly digests: Buffer[];

  constructor(tokens: string[]) {
    this.digests = tokens.map(digest);
  }

  /** No tokens configured: staff endpoints are open (a laptop, the test suite). */
  get open(): boolean {
    return this.digests.length === 0;
  }

  /** Whether an `Authorization` header value carries one of the tokens as `Bearer <token>`. */
  accepts(authorization: string | undefined): boolean {
    if (this.open) return true;
    const match = /^Bearer +(\S+) *$/i.exec(authorization ?? '');
    if (!match) return false;
    const given = digest(match[1]);
    let found = false;
    for (const known of this.digests) found = timingSafeEqual(given, known) || found;
    return found;
  }
}

export const UNAUTHORIZED_MESSAGE =
  'this endpoint needs a staff token: Authorization: Bearer <one of ADMIN_TOKENS>';
