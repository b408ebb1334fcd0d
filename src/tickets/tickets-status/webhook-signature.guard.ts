import {
  CanActivate,
  ExecutionContext,
  Inject,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { Request } from 'express';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { APP_CONFIG, AppConfig } from '../../platform/config/app.config';
import { rawBodyOf } from '../../platform/http/http-body';

const HEADERS = ['webhook-id', 'webhook-timestamp', 'webhook-signature'] as const;

/**
 * Spec §9: with DEAD_NATION_WEBHOOK_SECRET set, Dead Nation's webhook carries a Standard Webhooks
 * signature over the raw bytes it sent; a guard runs before the body pipe and the service, so a
 * refused request writes nothing. Any one `v1,…` entry may match: a secret being rotated.
 */
@Injectable()
export class WebhookSignatureGuard implements CanActivate {
  private readonly webhook?: Webhook;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    const secret = config.security.webhookSecret;
    if (secret) this.webhook = new Webhook(secret);
  }

  canActivate(context: ExecutionContext): boolean {
    if (!this.webhook) return true;
    const req = context.switchToHttp().getRequest<Request>();
    const headers: Record<string, string> = {};
    for (const name of HEADERS) {
      const value = req.get(name);
      if (!value) throw new UnauthorizedException(`the ${name} header is required`);
      headers[name] = value;
    }
    if (!/^\d{1,12}$/.test(headers['webhook-timestamp'])) {
      throw new UnauthorizedException('the webhook-timestamp header must be Unix seconds');
    }
    try {
      this.webhook.verify(rawBodyOf(req) ?? Buffer.alloc(0), headers, { jsonParse: false });
    } catch (e) {
      if (!(e instanceof WebhookVerificationError)) throw e;
      const why = /timestamp/i.test(e.message)
        ? 'the webhook-timestamp header is more than 5 minutes from now'
        : 'the webhook-signature header matches no signature of this request';
      throw new UnauthorizedException(why);
    }
    return true;
  }
}
