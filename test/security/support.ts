import { createHmac, randomBytes } from 'node:crypto';

/** A fresh Standard Webhooks secret: whsec_ and 24 random bytes in base64. */
export const newWebhookSecret = () => `whsec_${randomBytes(24).toString('base64')}`;

/**
 * The signature spec §9 describes, computed here with node:crypto rather than by the library
 * the app verifies with, so a mistake shared by both sides would still fail.
 */
export function sign(secret: string, id: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);

/** A token ADMIN_TOKENS accepts (at least 16 visible characters). */
export const newAdminToken = () => randomBytes(24).toString('base64url');
