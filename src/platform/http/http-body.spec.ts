import { bodyProblem, MAX_BODY_DEPTH } from './http-body';

describe('bodyProblem', () => {
  it('accepts what the API takes, pairs of surrogates (emoji) included', () => {
    expect(
      bodyProblem({
        title: 'Björk 🎤',
        tickets: [{ customer_email: 'ada@example.com', price: { amount: '5.00' } }],
        n: 3,
        ok: true,
        none: null,
      }),
    ).toBeUndefined();
    expect(bodyProblem(undefined)).toBeUndefined();
    expect(bodyProblem('plain')).toBeUndefined();
  });

  it('names the path of a string with U+0000', () => {
    expect(bodyProblem({ tickets: [{}, {}, {}, { customer_email: 'a\u0000@b.c' }] })).toBe(
      'tickets.3.customer_email must not contain U+0000 (NUL): PostgreSQL cannot store it',
    );
  });

  it.each(['\ud800@example.com', 'ada@example.com\udfff', '\udc00\ud800'])(
    'names the path of a string with an unpaired surrogate: %j',
    (text) => {
      expect(bodyProblem({ customer_email: text })).toMatch(
        /^customer_email must not contain an unpaired surrogate/,
      );
    },
  );

  it.each(['__proto__', 'constructor', 'prototype'])('refuses a %s key, however deep', (key) => {
    expect(bodyProblem(JSON.parse(`{"${key}": {"admin": true}}`))).toBe(`${key} should not exist`);
    expect(bodyProblem(JSON.parse(`{"tickets": [{"${key}": 1}]}`))).toBe(
      `tickets.0.${key} should not exist`,
    );
  });

  it('leaves those words alone as values', () => {
    expect(bodyProblem({ title: '__proto__', venue: 'constructor' })).toBeUndefined();
  });

  it(`refuses nesting deeper than ${MAX_BODY_DEPTH} levels, without recursing`, () => {
    const deep = JSON.parse(`${'['.repeat(200_000)}${']'.repeat(200_000)}`);
    expect(bodyProblem(deep)).toMatch(/^0(\.0)* is nested deeper than 32 levels$/);
    let ok: unknown = 'leaf';
    for (let i = 0; i < MAX_BODY_DEPTH; i++) ok = [ok];
    expect(bodyProblem(ok)).toBeUndefined();
  });

  it('reports the first problem in document order among siblings', () => {
    expect(bodyProblem({ a: 'ok', b: '\u0000', c: '\ud800' })).toMatch(/^b /);
  });
});
