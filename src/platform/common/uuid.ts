import { applyDecorators, BadRequestException, ParseUUIDPipe } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { IsUUID } from 'class-validator';

/*
 * A UUID names one thing in any letter case, but idempotency keys, file names and dedupe ids are
 * made from its text: "ABD8…" and "abd8…" once became two receipts and two files for one ticket.
 * So every UUID is lower-cased where it enters the API, and everything downstream sees one form.
 */

const lowerCased = (value: unknown) => (typeof value === 'string' ? value.toLowerCase() : value);

/** A UUID field of a request DTO: validated, and lower-cased before anything else sees it. */
export const IsLowerCasedUuid = () =>
  applyDecorators(
    IsUUID(),
    Transform(({ value }) => lowerCased(value)),
  );

/** A UUID path parameter: 400 naming it when it is not one, lower-cased when it is. */
export class UuidParamPipe extends ParseUUIDPipe {
  constructor(name: string) {
    super({ exceptionFactory: () => new BadRequestException(`${name} must be a UUID`) });
  }

  override async transform(value: string, metadata: Parameters<ParseUUIDPipe['transform']>[1]) {
    return (await super.transform(value, metadata)).toLowerCase();
  }
}
