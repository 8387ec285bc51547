/**
 * Columns and cells of a Databricks column-based result (COLUMN_BASED_SET), read from the raw
 * Thrift row set. The driver's own row objects lose data here: they are keyed by column name
 * (duplicate names collapse), turn DECIMAL into a JS number and BIGINT into a number that is
 * Infinity beyond 2^53. So the adapter converts the columns itself.
 */
import type { CellValue, ColumnInfo } from '../types';
import type { SdkColumn, SdkColumnDesc, SdkInt64 } from './sdk';

/** TCLIService TTypeId values and their Spark SQL names. */
const TYPE_NAMES: Readonly<Record<number, string>> = {
  0: 'boolean',
  1: 'tinyint',
  2: 'smallint',
  3: 'int',
  4: 'bigint',
  5: 'float',
  6: 'double',
  7: 'string',
  8: 'timestamp',
  9: 'binary',
  10: 'array',
  11: 'map',
  12: 'struct',
  13: 'uniontype',
  14: 'user_defined',
  15: 'decimal',
  16: 'void',
  17: 'date',
  18: 'varchar',
  19: 'char',
  20: 'interval year to month',
  21: 'interval day to second',
};

const DECIMAL = 15;
const VARCHAR = 18;
const CHAR = 19;

export function columnInfo(desc: SdkColumnDesc): ColumnInfo {
  const entry = desc.typeDesc.types[0]?.primitiveEntry;
  if (!entry) {
    // Complex types carry no primitive entry; Databricks puts the full type in the comment.
    return { name: desc.columnName, type: desc.comment || 'complex' };
  }
  const base = TYPE_NAMES[entry.type] ?? `type ${entry.type}`;
  const qualifiers = entry.typeQualifiers?.qualifiers ?? {};
  if (entry.type === DECIMAL) {
    const precision = qualifiers.precision?.i32Value;
    const scale = qualifiers.scale?.i32Value;
    return { name: desc.columnName, type: precision !== undefined && precision !== null ? `decimal(${precision},${scale ?? 0})` : 'decimal' };
  }
  if (entry.type === VARCHAR || entry.type === CHAR) {
    const length = qualifiers.characterMaximumLength?.i32Value;
    return { name: desc.columnName, type: length !== undefined && length !== null ? `${base}(${length})` : base };
  }
  return { name: desc.columnName, type: base };
}

function isNull(nulls: Buffer, index: number): boolean {
  const byte = nulls[index >> 3];
  return byte !== undefined && (byte & (1 << (index & 7))) !== 0;
}

/** The exact decimal text of a signed 64-bit integer. */
export function int64Text(value: SdkInt64): string {
  return value.buffer.readBigInt64BE(value.offset).toString();
}

/**
 * The cells of one column, in row order. Numbers only where JavaScript holds them exactly
 * (tinyint to int, float, double); bigint and decimal stay text, as do dates and timestamps.
 */
export function columnCells(column: SdkColumn | undefined): CellValue[] {
  if (!column) {
    return [];
  }
  const pick = <T>(values: { readonly values: readonly T[]; readonly nulls: Buffer } | null | undefined, convert: (value: T) => CellValue) =>
    values ? values.values.map((value, index) => (isNull(values.nulls, index) ? null : convert(value))) : undefined;
  return (
    pick(column.boolVal, (value) => value) ??
    pick(column.byteVal, (value) => value) ??
    pick(column.i16Val, (value) => value) ??
    pick(column.i32Val, (value) => value) ??
    pick(column.i64Val, int64Text) ??
    pick(column.doubleVal, (value) => value) ??
    pick(column.stringVal, (value) => value) ??
    pick(column.binaryVal, (value) => `0x${Buffer.from(value).toString('hex')}`) ??
    []
  );
}

/** Rows of a row set with `width` columns, in column order. */
export function rowsOf(columns: readonly SdkColumn[], width: number): CellValue[][] {
  const cells = Array.from({ length: width }, (_, index) => columnCells(columns[index]));
  const count = Math.max(0, ...cells.map((column) => column.length));
  const rows: CellValue[][] = [];
  for (let row = 0; row < count; row++) {
    rows.push(cells.map((column) => column[row] ?? null));
  }
  return rows;
}

/** A value from the driver's own rows (Arrow results), exact where the driver kept it so. */
export function driverCell(value: unknown): CellValue {
  if (value === null || value === undefined) {
    return null;
  }
  if (typeof value === 'bigint') {
    return value.toString();
  }
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'string') {
    return value;
  }
  if (value instanceof Date) {
    return value.toISOString();
  }
  if (Buffer.isBuffer(value)) {
    return `0x${value.toString('hex')}`;
  }
  return JSON.stringify(value, (_key, inner: unknown) => (typeof inner === 'bigint' ? inner.toString() : inner));
}
