/**
 * PostgreSQL results as a Databricks column-based result set (TCLIService COLUMN_BASED_SET):
 * column descriptors with Spark's TTypeId and, per column, the typed value list plus a null
 * bitmap. Plain objects: the generated Thrift structs wrap them on write.
 */
import { createRequire } from 'node:module';

const requireHere = createRequire(__filename);
/** node-int64, as the Thrift binary protocol writes an i64 (eight big-endian bytes). */
const Int64 = requireHere('node-int64') as new (buffer: Buffer) => object;

/** TTypeId values (TCLIService.thrift). */
export const TypeId = {
  BOOLEAN: 0,
  SMALLINT: 2,
  INT: 3,
  BIGINT: 4,
  FLOAT: 5,
  DOUBLE: 6,
  STRING: 7,
  TIMESTAMP: 8,
  BINARY: 9,
  DECIMAL: 15,
  NULL: 16,
  DATE: 17,
} as const;

type Kind = 'boolVal' | 'i16Val' | 'i32Val' | 'i64Val' | 'doubleVal' | 'stringVal' | 'binaryVal';

export interface LabColumn {
  readonly name: string;
  readonly typeId: number;
  readonly kind: Kind;
  readonly precision?: number;
  readonly scale?: number;
}

export function int64(value: bigint | number): object {
  const buffer = Buffer.alloc(8);
  buffer.writeBigInt64BE(BigInt(value));
  return new Int64(buffer);
}

/** A Thrift i64 from a request (node-int64), or a plain number, as a JS number. */
export function int64Number(value: unknown): number {
  if (typeof value === 'number') return value;
  const candidate = value as { buffer?: Buffer; offset?: number } | null;
  if (candidate?.buffer && Buffer.isBuffer(candidate.buffer)) {
    return Number(candidate.buffer.readBigInt64BE(candidate.offset ?? 0));
  }
  return NaN;
}

/** A PostgreSQL column (type OID and modifier) as the Spark column Databricks would report. */
export function labColumn(name: string, oid: number, typmod: number): LabColumn {
  switch (oid) {
    case 16:
      return { name, typeId: TypeId.BOOLEAN, kind: 'boolVal' };
    case 21:
      return { name, typeId: TypeId.SMALLINT, kind: 'i16Val' };
    case 23:
      return { name, typeId: TypeId.INT, kind: 'i32Val' };
    case 20:
      return { name, typeId: TypeId.BIGINT, kind: 'i64Val' };
    case 700:
      return { name, typeId: TypeId.FLOAT, kind: 'doubleVal' };
    case 701:
      return { name, typeId: TypeId.DOUBLE, kind: 'doubleVal' };
    case 1700:
      // numeric(p,s): typmod = (p << 16 | s) + 4; unconstrained numeric as Spark's widest decimal.
      return typmod >= 4
        ? { name, typeId: TypeId.DECIMAL, kind: 'stringVal', precision: ((typmod - 4) >> 16) & 0xffff, scale: (typmod - 4) & 0xffff }
        : { name, typeId: TypeId.DECIMAL, kind: 'stringVal', precision: 38, scale: 18 };
    case 1082:
      return { name, typeId: TypeId.DATE, kind: 'stringVal' };
    case 1114:
    case 1184:
      return { name, typeId: TypeId.TIMESTAMP, kind: 'stringVal' };
    case 17:
      return { name, typeId: TypeId.BINARY, kind: 'binaryVal' };
    case 2278:
      return { name, typeId: TypeId.NULL, kind: 'stringVal' };
    default:
      return { name, typeId: TypeId.STRING, kind: 'stringVal' };
  }
}

export function stringColumn(name: string): LabColumn {
  return { name, typeId: TypeId.STRING, kind: 'stringVal' };
}

export function columnDescs(columns: readonly LabColumn[]): object[] {
  return columns.map((column, index) => ({
    columnName: column.name,
    position: index + 1,
    typeDesc: {
      types: [
        {
          primitiveEntry: {
            type: column.typeId,
            ...(column.precision !== undefined
              ? { typeQualifiers: { qualifiers: { precision: { i32Value: column.precision }, scale: { i32Value: column.scale ?? 0 } } } }
              : {}),
          },
        },
      ],
    },
  }));
}

function cell(column: LabColumn, text: string): unknown {
  switch (column.kind) {
    case 'boolVal':
      return text === 't' || text === 'true';
    case 'i16Val':
    case 'i32Val':
    case 'doubleVal':
      return Number(text);
    case 'i64Val':
      return int64(BigInt(text));
    case 'binaryVal':
      return Buffer.from(text.startsWith('\\x') ? text.slice(2) : text, 'hex');
    case 'stringVal':
      // Spark prints timestamps without a zone; the lab's sessions run in UTC.
      return column.typeId === TypeId.TIMESTAMP ? text.replace(/\+00$/, '') : text;
  }
}

const EMPTY: Record<Kind, unknown> = { boolVal: false, i16Val: 0, i32Val: 0, i64Val: undefined, doubleVal: 0, stringVal: '', binaryVal: undefined };

/** One TColumn per column for `rows` (PostgreSQL text values, null = NULL). */
export function columnValues(columns: readonly LabColumn[], rows: readonly (readonly (string | null)[])[]): object[] {
  return columns.map((column, index) => {
    const nulls = Buffer.alloc(Math.ceil(rows.length / 8));
    const values = rows.map((row, rowIndex) => {
      const text = row[index];
      if (text === null || text === undefined) {
        nulls[rowIndex >> 3] |= 1 << (rowIndex & 7);
        return EMPTY[column.kind] ?? (column.kind === 'i64Val' ? int64(0) : Buffer.alloc(0));
      }
      return cell(column, text);
    });
    return { [column.kind]: { values, nulls } };
  });
}
