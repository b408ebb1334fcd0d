import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';

/** The OpenAPI document, built from the controllers and DTOs, with Swagger UI at /api/docs. */
export function setupSwagger(app: INestApplication): void {
  const config = new DocumentBuilder()
    .setTitle('tickets')
    .setDescription(
      'Shows, bookings, tickets and refunds. JSON everywhere, snake_case fields, money amounts as ' +
        'decimal strings. Every response carries a Correlation-ID header (the request’s own, or a new one). ' +
        'Errors: {statusCode, error, message}, the message naming the field and the rule.',
    )
    .setVersion('1')
    // Staff endpoints, when ADMIN_TOKENS is set (spec §9): Authorize with one of its tokens.
    .addBearerAuth()
    .build();
  const document = SwaggerModule.createDocument(app, config);
  SwaggerModule.setup('api/docs', app, document, { jsonDocumentUrl: 'api/docs-json' });
}
