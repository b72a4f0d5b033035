import { InputError } from './errors.js';
/** A packet timestamp with the full nanosecond precision of the wire format. */
export class Timestamp {
  /** Whole seconds since 1970-01-01T00:00:00Z (0 … 2^32-1). */
  readonly seconds: number;
  /** Nanoseconds within the second (0 … 999 999 999). */
  readonly nanos: number;

  /** Out-of-range nanoseconds (the wire allows up to 2^30-1) carry into the seconds. */
  constructor(seconds: number, nanos = 0) {
    // in range (every decoded packet's, but for 0): no division
    const carry = nanos > 0 && nanos < 1e9 ? 0 : Math.floor(nanos / 1e9);
    this.seconds = seconds + carry;
    this.nanos = nanos - carry * 1e9;
  }

  static fromDate(d: Date): Timestamp {
    const ms = d.getTime();
    const s = Math.floor(ms / 1000);
    return new Timestamp(s, (ms - s * 1000) * 1e6);
  }

  /** Parse `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)` keeping up to 9 fractional digits. */
  static parse(text: string): Timestamp {
    const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/.exec(text);
    const ms = m ? Date.parse(m[1] + m[3]) : NaN;
    if (!m || Number.isNaN(ms)) throw new InputError(`invalid timestamp ${JSON.stringify(text)}`);
    return new Timestamp(ms / 1000, Number((m[2] ?? '').padEnd(9, '0')));
  }

  /** Milliseconds since the epoch (sub-millisecond digits are dropped). */
  toDate(): Date {
    return new Date(this.seconds * 1000 + Math.floor(this.nanos / 1e6));
  }

  /** `YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ`, always 9 fractional digits. */
  toISOString(): string {
    const whole = new Date(this.seconds * 1000).toISOString().slice(0, 19);
    return `${whole}.${String(this.nanos).padStart(9, '0')}Z`;
  }

  toJSON(): string {
    return this.toISOString();
  }

  toString(): string {
    return this.toISOString();
  }
}
