import 'reflect-metadata';
import { BadRequestException } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { IsLowerCasedUuid, UuidParamPipe } from './uuid';

class Dto {
  @IsLowerCasedUuid()
  id: unknown;
}

const UPPER = 'ABD8E2C4-1B3F-4D5E-9A7B-0C1D2E3F4A5B';

describe('IsLowerCasedUuid', () => {
  it('lower-cases a UUID in any case', () => {
    const dto = plainToInstance(Dto, { id: UPPER });
    expect(dto.id).toBe(UPPER.toLowerCase());
    expect(validateSync(dto)).toEqual([]);
  });

  it('leaves what is not a string to the validator', () => {
    for (const id of [42, null, ['a'], 'not-a-uuid']) {
      const errors = validateSync(plainToInstance(Dto, { id }));
      expect(errors.map((e) => e.constraints)).toEqual([{ isUuid: 'id must be a UUID' }]);
    }
  });
});

describe('UuidParamPipe', () => {
  const meta = { type: 'param', data: 'ticket_id' } as const;

  it('lower-cases a UUID', async () => {
    expect(await new UuidParamPipe('ticket_id').transform(UPPER, meta)).toBe(UPPER.toLowerCase());
  });

  it('400 naming the parameter otherwise', async () => {
    await expect(new UuidParamPipe('ticket_id').transform('nope', meta)).rejects.toEqual(
      new BadRequestException('ticket_id must be a UUID'),
    );
  });
});
