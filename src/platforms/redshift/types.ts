import type { CellValue } from '../types';

/** Built-in PostgreSQL/Redshift type oids and the names users know them by. */
const TYPE_NAMES: ReadonlyMap<number, string> = new Map([
  [16, 'bool'], [17, 'bytea'], [18, 'char'], [19, 'name'], [20, 'int8'], [21, 'int2'], [23, 'int4'],
  [25, 'text'], [26, 'oid'], [114, 'json'], [142, 'xml'], [700, 'float4'], [701, 'float8'],
  [1000, 'bool[]'], [1005, 'int2[]'], [1007, 'int4[]'], [1009, 'text[]'], [1016, 'int8[]'],
  [1015, 'varchar[]'], [1042, 'bpchar'], [1043, 'varchar'], [1082, 'date'], [1083, 'time'],
  [1114, 'timestamp'], [1184, 'timestamptz'], [1186, 'interval'], [1266, 'timetz'],
  [1700, 'numeric'], [2950, 'uuid'], [3802, 'jsonb'], [2249, 'record'], [2278, 'void'],
  [3000, 'geometry'], [4000, 'super'], [6551, 'hllsketch'],
]);

export function typeName(oid: number): string {
  return TYPE_NAMES.get(oid) ?? `oid ${oid}`;
}

const asText = (value: string): CellValue => value;
const asBoolean = (value: string): CellValue => value === 't' || value === 'true';
/** Exact in a JS number: int2, int4, oid. */
const asInteger = (value: string): CellValue => Number(value);
/** float4/float8: NaN and infinities are kept as the server's text (JSON has no such numbers). */
const asFloat = (value: string): CellValue => {
  const number = Number(value);
  return Number.isFinite(number) ? number : value;
};

/**
 * Cells keep the server's text except where a JS value is exact. int8 and numeric stay text so
 * that no digit is lost; dates stay text so that no time zone is invented.
 */
export function cellParser(oid: number): (value: string) => CellValue {
  switch (oid) {
    case 16:
      return asBoolean;
    case 21:
    case 23:
    case 26:
      return asInteger;
    case 700:
    case 701:
      return asFloat;
    default:
      return asText;
  }
}
