import { StaffTokens } from './staff-tokens';

describe('StaffTokens', () => {
  const tokens = new StaffTokens(['first-token-0123456789', 'second-token-0123456789']);

  it('accepts each configured token as a bearer token, the scheme in any case', () => {
    expect(tokens.accepts('Bearer first-token-0123456789')).toBe(true);
    expect(tokens.accepts('bearer second-token-0123456789')).toBe(true);
  });

  it.each([
    undefined,
    '',
    'Bearer',
    'Bearer ',
    'first-token-0123456789',
    'Basic first-token-0123456789',
    'Bearer first-token-012345678',
    'Bearer first-token-01234567890',
    'Bearer FIRST-TOKEN-0123456789',
    'Bearer first-token-0123456789 second-token-0123456789',
  ])('refuses %j', (header) => {
    expect(tokens.accepts(header)).toBe(false);
  });

  it('with no tokens configured, everything is open', () => {
    const none = new StaffTokens([]);
    expect(none.open).toBe(true);
    expect(none.accepts(undefined)).toBe(true);
    expect(tokens.open).toBe(false);
  });
});
