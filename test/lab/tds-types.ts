/**
 * PostgreSQL result columns as SQL Server types on the wire (COLMETADATA TYPE_INFO and ROW
 * values), so the driver decodes real TDS types: int/bigint/smallint (INTN), bit (BITN),
 * float/real (FLTN), decimal (DECIMALN), date (DATEN), datetime2 (DATETIME2N),
 * uniqueidentifier (GUID) and nvarchar (NVARCHAR, PLP when a value is longer than 4000).
 */
import { COLLATION, bVarchar } from './tds-wire';

export interface PgField {
  readonly name: string;
  readonly dataTypeID: number;
  readonly dataTypeModifier: number;
}

export interface TdsColumn {
  readonly name: string;
  readonly typeInfo: Buffer;
  encode(value: string | null): Buffer;
}

const NULL_PLP = Buffer.alloc(8, 0xff);

function intn(size: 2 | 4 | 8): Pick<TdsColumn, 'typeInfo' | 'encode'> {
  return {
    typeInfo: Buffer.from([0x26, size]),
    encode: (value) => {
      if (value === null) return Buffer.from([0]);
      const out = Buffer.alloc(1 + size);
      out[0] = size;
      if (size === 2) out.writeInt16LE(Number(value), 1);
      else if (size === 4) out.writeInt32LE(Number(value), 1);
      else out.writeBigInt64LE(BigInt(value), 1);
      return out;
    },
  };
}

function fltn(size: 4 | 8): Pick<TdsColumn, 'typeInfo' | 'encode'> {
  return {
    typeInfo: Buffer.from([0x6d, size]),
    encode: (value) => {
      if (value === null) return Buffer.from([0]);
      const out = Buffer.alloc(1 + size);
      out[0] = size;
      if (size === 4) out.writeFloatLE(Number(value), 1);
      else out.writeDoubleLE(Number(value), 1);
      return out;
    },
  };
}

const bitn: Pick<TdsColumn, 'typeInfo' | 'encode'> = {
  typeInfo: Buffer.from([0x68, 1]),
  encode: (value) => (value === null ? Buffer.from([0]) : Buffer.from([1, value === 't' || value === 'true' ? 1 : 0])),
};

function decimaln(precision: number, scale: number): Pick<TdsColumn, 'typeInfo' | 'encode'> {
  return {
    typeInfo: Buffer.from([0x6a, 17, precision, scale]),
    encode: (value) => {
      if (value === null || !/^-?\d+(\.\d+)?$/.test(value)) return Buffer.from([0]);
      const negative = value.startsWith('-');
      const [whole, fraction = ''] = value.replace('-', '').split('.');
      const magnitude = BigInt(whole + fraction.padEnd(scale, '0').slice(0, scale));
      const out = Buffer.alloc(18);
      out[0] = 17;
      out[1] = negative ? 0 : 1;
      out.writeBigUInt64LE(magnitude & 0xffffffffffffffffn, 2);
      out.writeBigUInt64LE(magnitude >> 64n, 10);
      return out;
    },
  };
}

/** Days from 0001-01-01 in the proleptic Gregorian calendar (JS Date folds years below 100). */
function daysSinceYearOne(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  const fromEpoch = era * 146097 + doe - 719468; // days since 1970-01-01
  return fromEpoch + 719162; // 0001-01-01 is 719162 days before 1970-01-01
}

function threeBytes(value: number): Buffer {
  const out = Buffer.alloc(3);
  out.writeUIntLE(value, 0, 3);
  return out;
}

const daten: Pick<TdsColumn, 'typeInfo' | 'encode'> = {
  typeInfo: Buffer.from([0x28]),
  encode: (value) => {
    const match = value === null ? null : /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
    if (!match) return Buffer.from([0]);
    return Buffer.concat([Buffer.from([3]), threeBytes(daysSinceYearOne(Number(match[1]), Number(match[2]), Number(match[3])))]);
  },
};

/** datetime2(7): 5 bytes of 100 ns ticks since midnight, then 3 bytes of days. */
const datetime2n: Pick<TdsColumn, 'typeInfo' | 'encode'> = {
  typeInfo: Buffer.from([0x2a, 7]),
  encode: (value) => {
    const match = value === null ? null : /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?$/.exec(value);
    if (!match) return Buffer.from([0]);
    const seconds = Number(match[4]) * 3600 + Number(match[5]) * 60 + Number(match[6]);
    const ticks = BigInt(seconds) * 10_000_000n + BigInt((match[7] ?? '').padEnd(7, '0'));
    const time = Buffer.alloc(5);
    time.writeUIntLE(Number(ticks), 0, 5);
    return Buffer.concat([Buffer.from([8]), time, threeBytes(daysSinceYearOne(Number(match[1]), Number(match[2]), Number(match[3])))]);
  },
};

/** uniqueidentifier: the first three groups little-endian, the rest as written. */
const guid: Pick<TdsColumn, 'typeInfo' | 'encode'> = {
  typeInfo: Buffer.from([0x24, 16]),
  encode: (value) => {
    if (value === null) return Buffer.from([0]);
    const hex = Buffer.from(value.replace(/-/g, ''), 'hex');
    const bytes = Buffer.concat([Buffer.from(hex.subarray(0, 4)).reverse(), Buffer.from(hex.subarray(4, 6)).reverse(), Buffer.from(hex.subarray(6, 8)).reverse(), hex.subarray(8)]);
    return Buffer.concat([Buffer.from([16]), bytes]);
  },
};

function nvarchar(plp: boolean): Pick<TdsColumn, 'typeInfo' | 'encode'> {
  const typeInfo = Buffer.alloc(8);
  typeInfo[0] = 0xe7;
  typeInfo.writeUInt16LE(plp ? 0xffff : 8000, 1);
  COLLATION.copy(typeInfo, 3);
  return {
    typeInfo,
    encode: (value) => {
      if (plp) {
        if (value === null) return NULL_PLP;
        const bytes = Buffer.from(value, 'utf16le');
        const head = Buffer.alloc(12);
        head.writeBigUInt64LE(BigInt(bytes.length), 0);
        head.writeUInt32LE(bytes.length, 8);
        return bytes.length === 0 ? Buffer.concat([head.subarray(0, 8), Buffer.alloc(4)]) : Buffer.concat([head, bytes, Buffer.alloc(4)]);
      }
      if (value === null) return Buffer.from([0xff, 0xff]);
      const bytes = Buffer.from(value, 'utf16le');
      const length = Buffer.alloc(2);
      length.writeUInt16LE(bytes.length);
      return Buffer.concat([length, bytes]);
    },
  };
}

/** numeric's typmod is ((precision << 16) | scale) + 4; -1 when unconstrained. */
function decimalFor(field: PgField, values: readonly (string | null)[]): Pick<TdsColumn, 'typeInfo' | 'encode'> | undefined {
  if (field.dataTypeModifier >= 4) {
    const precision = ((field.dataTypeModifier - 4) >> 16) & 0xffff;
    const scale = (field.dataTypeModifier - 4) & 0xffff;
    return precision <= 38 ? decimaln(precision, scale) : undefined;
  }
  let scale = 0;
  for (const value of values) {
    if (value === null) continue;
    if (!/^-?\d+(\.\d+)?$/.test(value)) return undefined;
    scale = Math.max(scale, value.split('.')[1]?.length ?? 0);
  }
  return scale <= 38 ? decimaln(38, scale) : undefined;
}

export function tdsColumns(fields: readonly PgField[], rows: readonly (readonly (string | null)[])[]): TdsColumn[] {
  return fields.map((field, index) => {
    const values = rows.map((row) => row[index]);
    let kind: Pick<TdsColumn, 'typeInfo' | 'encode'> | undefined;
    switch (field.dataTypeID) {
      case 16: kind = bitn; break;
      case 21: kind = intn(2); break;
      case 23: kind = intn(4); break;
      case 20: case 26: kind = intn(8); break;
      case 700: kind = fltn(4); break;
      case 701: kind = fltn(8); break;
      case 1700: kind = decimalFor(field, values); break;
      case 1082: kind = daten; break;
      case 1114: kind = datetime2n; break;
      case 2950: kind = guid; break;
    }
    kind ??= nvarchar(values.some((value) => value !== null && value.length > 4000));
    return { name: field.name, ...kind };
  });
}

/** COLMETADATA for `columns`: user type 0, flags nullable, TYPE_INFO, column name. */
export function colMetadata(columns: readonly TdsColumn[]): Buffer {
  const count = Buffer.alloc(3);
  count[0] = 0x81;
  count.writeUInt16LE(columns.length, 1);
  const parts: Buffer[] = [count];
  for (const column of columns) {
    parts.push(Buffer.from([0, 0, 0, 0, 0x01, 0x00]), column.typeInfo, bVarchar(column.name));
  }
  return Buffer.concat(parts);
}

export function rowToken(columns: readonly TdsColumn[], row: readonly (string | null)[]): Buffer {
  return Buffer.concat([Buffer.from([0xd1]), ...columns.map((column, index) => column.encode(row[index] ?? null))]);
}
