/**
 * PostgreSQL results as Snowflake sends them: `rowtype` entries (type fixed/real/text/boolean/
 * date/time/timestamp_ntz/timestamp_ltz/variant/binary with precision, scale, nullable) and
 * every cell as the JSON string the driver converts per type (snowflake-sdk
 * lib/connection/result/column.js): NUMBER as decimal text, BOOLEAN as "1"/"0", DATE as days
 * since 1970-01-01, TIME as seconds since midnight, TIMESTAMP_* as epoch seconds with nine
 * fractional digits, VARIANT as JSON text, BINARY as upper-case hex.
 */

export interface RowType {
  readonly name: string;
  readonly type: string;
  readonly precision: number | null;
  readonly scale: number | null;
  readonly length: number | null;
  readonly byteLength: number | null;
  readonly nullable: boolean;
  readonly database: string;
  readonly schema: string;
  readonly table: string;
  readonly collation: null;
}

export interface PgField {
  readonly name: string;
  readonly dataTypeID: number;
  readonly dataTypeModifier: number;
}

interface Mapping {
  readonly type: string;
  readonly precision?: number;
  readonly scale?: number;
  readonly length?: number;
  readonly convert: (text: string) => string | null;
}

const TEXT_LENGTH = 16777216;
const INTEGER_OIDS = new Set([20, 21, 23, 26]);
const FLOAT_OIDS = new Set([700, 701]);

/** Snowflake folds unquoted names to upper case; PostgreSQL to lower. Shown as Snowflake would. */
export function snowflakeColumnName(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) ? name.toUpperCase() : name;
}

export function mapColumn(field: PgField, values: readonly (string | null)[]): { rowtype: RowType; convert: (text: string | null) => string | null } {
  const mapping = mappingFor(field, values);
  const rowtype: RowType = {
    name: snowflakeColumnName(field.name),
    type: mapping.type,
    precision: mapping.precision ?? null,
    scale: mapping.scale ?? null,
    length: mapping.length ?? null,
    byteLength: mapping.length !== undefined ? mapping.length * 4 : null,
    nullable: true,
    database: 'LAB',
    schema: 'PUBLIC',
    table: '',
    collation: null,
  };
  return { rowtype, convert: (text) => (text === null ? null : mapping.convert(text)) };
}

function mappingFor(field: PgField, values: readonly (string | null)[]): Mapping {
  const oid = field.dataTypeID;
  if (INTEGER_OIDS.has(oid)) {
    return { type: 'fixed', precision: 38, scale: 0, convert: (text) => text };
  }
  if (oid === 1700) {
    return numeric(field.dataTypeModifier, values);
  }
  if (FLOAT_OIDS.has(oid)) {
    return { type: 'real', convert: (text) => (text === 'Infinity' ? 'inf' : text === '-Infinity' ? '-inf' : text) };
  }
  switch (oid) {
    case 16:
      return { type: 'boolean', convert: (text) => (text === 't' ? '1' : '0') };
    case 1082:
      return { type: 'date', convert: (text) => String(daysSinceEpoch(text)) };
    case 1083:
      return { type: 'time', scale: 9, convert: secondsOfDay };
    case 1114:
      return { type: 'timestamp_ntz', scale: 9, convert: epochSeconds };
    case 1184:
      return { type: 'timestamp_ltz', scale: 9, convert: epochSeconds };
    case 114:
    case 3802:
      return { type: 'variant', convert: (text) => text };
    case 17:
      return { type: 'binary', length: 8388608, convert: (text) => text.replace(/^\\x/, '').toUpperCase() };
    case 1043:
    case 1042:
      return { type: 'text', length: field.dataTypeModifier > 4 ? field.dataTypeModifier - 4 : TEXT_LENGTH, convert: (text) => text };
    default:
      return { type: 'text', length: TEXT_LENGTH, convert: (text) => text };
  }
}

/** numeric(p,s) keeps its precision and scale; an unconstrained numeric gets the widest scale seen. */
function numeric(typmod: number, values: readonly (string | null)[]): Mapping {
  if (typmod > 4) {
    const precision = ((typmod - 4) >> 16) & 0xffff;
    const scale = (typmod - 4) & 0xffff;
    return { type: 'fixed', precision, scale, convert: (text) => text };
  }
  const scale = Math.min(37, Math.max(0, ...values.map((value) => (value === null ? 0 : (value.split('.')[1] ?? '').length))));
  const pad = (text: string): string => {
    if (!/^-?\d+(\.\d*)?$/.test(text) || scale === 0) return text;
    const [whole, fraction = ''] = text.split('.');
    return `${whole}.${fraction.padEnd(scale, '0')}`;
  };
  return { type: 'fixed', precision: 38, scale, convert: pad };
}

function daysSinceEpoch(text: string): number {
  const match = /^(\d{4,})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) {
    throw new Error(`unsupported date ${text}`);
  }
  return Math.round(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) / 86400000);
}

function secondsOfDay(text: string): string {
  const match = /^(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?$/.exec(text);
  if (!match) {
    throw new Error(`unsupported time ${text}`);
  }
  const seconds = Number(match[1]) * 3600 + Number(match[2]) * 60 + Number(match[3]);
  return `${seconds}.${(match[4] ?? '').padEnd(9, '0')}`;
}

/** '2024-02-29 12:34:56.123456' or with an offset ('+05:30') -> '1709210096.123456000' (UTC). */
function epochSeconds(text: string): string {
  const match = /^(\d{4,})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([+-])(\d{2})(?::?(\d{2}))?(?::?(\d{2}))?)?$/.exec(text);
  if (!match) {
    throw new Error(`unsupported timestamp ${text}`);
  }
  const [, year, month, day, hour, minute, second, fraction = '', sign, offsetHours = '0', offsetMinutes = '0', offsetSeconds = '0'] = match;
  const offset = (sign === '-' ? -1 : 1) * (Number(offsetHours) * 3600 + Number(offsetMinutes) * 60 + Number(offsetSeconds));
  const wholeSeconds = BigInt(Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hour), Number(minute), Number(second)) / 1000 - (sign ? offset : 0));
  const total = wholeSeconds * 1_000_000_000n + BigInt(fraction.padEnd(9, '0').slice(0, 9));
  const negative = total < 0n;
  const magnitude = negative ? -total : total;
  return `${negative ? '-' : ''}${magnitude / 1_000_000_000n}.${String(magnitude % 1_000_000_000n).padStart(9, '0')}`;
}

/** Snowflake's statement type ids (the driver counts updated rows for the DML ones). */
export function statementTypeId(command: string | null): number {
  switch (command) {
    case 'SELECT':
      return 0x1000;
    case 'INSERT':
      return 0x3100;
    case 'UPDATE':
      return 0x3200;
    case 'DELETE':
      return 0x3300;
    case 'MERGE':
      return 0x3400;
    default:
      return 0x6000;
  }
}
