/** A request the simulator refuses with 400, naming the field at fault. */
export class InvalidRequest extends Error {
  constructor(
    readonly field: string,
    rule: string,
  ) {
    super(`${field} ${rule}`);
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DECIMAL = /^-?\d+(\.\d+)?$/;
const CURRENCY = /^[A-Z]{3}$/;

export type Json = Record<string, unknown>;

export function objectAt(value: unknown, field = 'body'): Json {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidRequest(field, 'must be a JSON object');
  }
  return value as Json;
}

const path = (prefix: string, key: string) => (prefix ? `${prefix}.${key}` : key);

/** Reads the fields of one JSON object, each check naming `prefix.field` when it fails. */
export class Fields {
  constructor(
    readonly body: Json,
    private readonly prefix = '',
  ) {}

  static of(value: unknown, prefix = ''): Fields {
    return new Fields(objectAt(value, prefix || 'body'), prefix);
  }

  private name(key: string): string {
    return path(this.prefix, key);
  }

  string(key: string): string {
    const value = this.body[key];
    if (typeof value !== 'string' || value.trim() === '') {
      throw new InvalidRequest(this.name(key), 'must be a non-empty string');
    }
    return value;
  }

  optionalString(key: string): string | undefined {
    return this.body[key] === undefined || this.body[key] === null ? undefined : this.string(key);
  }

  uuid(key: string): string {
    const value = this.body[key];
    if (typeof value !== 'string' || !UUID.test(value)) {
      throw new InvalidRequest(this.name(key), 'must be a UUID');
    }
    return value;
  }

  int(key: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
    const value = this.body[key];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      throw new InvalidRequest(this.name(key), `must be an integer from ${min} to ${max}`);
    }
    return value;
  }

  number(key: string, min: number, max: number): number {
    const value = this.body[key];
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
      throw new InvalidRequest(this.name(key), `must be a number from ${min} to ${max}`);
    }
    return value;
  }

  boolean(key: string): boolean {
    if (typeof this.body[key] !== 'boolean') {
      throw new InvalidRequest(this.name(key), 'must be true or false');
    }
    return this.body[key];
  }

  decimal(key: string): string {
    const value = this.body[key];
    if (typeof value !== 'string' || !DECIMAL.test(value)) {
      throw new InvalidRequest(this.name(key), 'must be a decimal string such as "50.00"');
    }
    return value;
  }

  currency(key: string): string {
    const value = this.body[key];
    if (typeof value !== 'string' || !CURRENCY.test(value)) {
      throw new InvalidRequest(
        this.name(key),
        'must be a three-letter currency code such as "EUR"',
      );
    }
    return value;
  }

  strings(key: string, { nonEmpty = false } = {}): string[] {
    const value = this.body[key];
    if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
      throw new InvalidRequest(this.name(key), 'must be an array of strings');
    }
    if (nonEmpty && value.length === 0) {
      throw new InvalidRequest(this.name(key), 'must not be empty');
    }
    return value as string[];
  }

  object(key: string): Fields {
    return Fields.of(this.body[key], this.name(key));
  }

  has(key: string): boolean {
    return this.body[key] !== undefined;
  }

  /** For settings, where a typo must not pass silently. */
  onlyKnown(keys: readonly string[]): void {
    const unknown = Object.keys(this.body).find((k) => !keys.includes(k));
    if (unknown) {
      throw new InvalidRequest(
        this.name(unknown),
        `is not a known setting (known: ${keys.join(', ')})`,
      );
    }
  }
}
