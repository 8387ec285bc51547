/**
 * PostgreSQL result columns as Trino would describe and encode them. Values arrive as
 * PostgreSQL's text (every type parser is the identity) and leave as the JSON Trino writes:
 * integers as bare numbers (bigint too, digits intact), decimals/dates/timestamps as strings,
 * NaN and infinities as strings, varbinary as base64.
 */
export interface TrinoColumn {
  readonly name: string;
  readonly type: string;
  readonly typeSignature: { readonly rawType: string; readonly arguments: readonly unknown[] };
}

type Encoder = (text: string) => string;

export interface LabColumn {
  readonly column: TrinoColumn;
  /** Turns PostgreSQL's text of a non-null value into a JSON value. */
  readonly encode: Encoder;
}

const asString: Encoder = (text) => JSON.stringify(text);
const asNumber: Encoder = (text) => text;
const asFloat: Encoder = (text) => (/^-?(\d|\.\d)/.test(text) ? text : JSON.stringify(text === 'NaN' ? 'NaN' : text.startsWith('-') ? '-Infinity' : 'Infinity'));
const asBoolean: Encoder = (text) => (text === 't' || text === 'true' ? 'true' : 'false');
const asBase64: Encoder = (text) => JSON.stringify(Buffer.from(text.replace(/^\\x/, ''), 'hex').toString('base64'));

/** `2024-01-02 03:04:05.1` → fraction padded to `precision` digits, as Trino prints it. */
function padFraction(text: string, precision: number): string {
  return text.replace(/^(\d{4,}-\d\d-\d\d \d\d:\d\d:\d\d)(?:\.(\d+))?/, (_, base: string, fraction: string | undefined) =>
    precision === 0 ? base : `${base}.${(fraction ?? '').padEnd(precision, '0').slice(0, precision)}`,
  );
}

function signature(rawType: string, ...args: number[]): TrinoColumn['typeSignature'] {
  return { rawType, arguments: args.map((value) => ({ kind: 'LONG', value })) };
}

function column(name: string, type: string, sig: TrinoColumn['typeSignature'], encode: Encoder): LabColumn {
  return { column: { name, type, typeSignature: sig }, encode };
}

/** A column of the result, from PostgreSQL's type oid and type modifier. */
export function labColumn(name: string, oid: number, typmod: number): LabColumn {
  switch (oid) {
    case 16:
      return column(name, 'boolean', signature('boolean'), asBoolean);
    case 21:
      return column(name, 'smallint', signature('smallint'), asNumber);
    case 23:
      return column(name, 'integer', signature('integer'), asNumber);
    case 20:
    case 26:
      return column(name, 'bigint', signature('bigint'), asNumber);
    case 700:
      return column(name, 'real', signature('real'), asFloat);
    case 701:
      return column(name, 'double', signature('double'), asFloat);
    case 1700: {
      // numeric without a declared precision has no Trino twin; decimal(38,s) is the widest.
      const precision = typmod >= 4 ? ((typmod - 4) >> 16) & 0xffff : 38;
      const scale = typmod >= 4 ? (typmod - 4) & 0xffff : 0;
      return column(name, `decimal(${precision},${scale})`, signature('decimal', precision, scale), asString);
    }
    case 1042: {
      const length = typmod >= 4 ? typmod - 4 : 1;
      return column(name, `char(${length})`, signature('char', length), asString);
    }
    case 1043:
      if (typmod >= 4) return column(name, `varchar(${typmod - 4})`, signature('varchar', typmod - 4), asString);
      return column(name, 'varchar', signature('varchar', 2147483647), asString);
    case 1082:
      return column(name, 'date', signature('date'), asString);
    case 1083: {
      const precision = typmod >= 0 ? typmod : 6;
      return column(name, `time(${precision})`, signature('time', precision), (text) => asString(padFraction(`0000-01-01 ${text}`, precision).slice(11)));
    }
    case 1114: {
      const precision = typmod >= 0 ? typmod : 6;
      return column(name, `timestamp(${precision})`, signature('timestamp', precision), (text) => asString(padFraction(text, precision)));
    }
    case 1184: {
      // The lab's connections run with TimeZone=UTC, so PostgreSQL prints +00.
      const precision = typmod >= 0 ? typmod : 6;
      return column(name, `timestamp(${precision}) with time zone`, signature('timestamp with time zone', precision), (text) =>
        asString(`${padFraction(text.replace(/\+00$/, ''), precision)} UTC`),
      );
    }
    case 114:
    case 3802:
      return column(name, 'json', signature('json'), asString);
    case 17:
      return column(name, 'varbinary', signature('varbinary'), asBase64);
    case 2950:
      return column(name, 'uuid', signature('uuid'), asString);
    default:
      // text, name, interval, arrays, void...: their text, as an unbounded varchar.
      return column(name, 'varchar', signature('varchar', 2147483647), asString);
  }
}

/** A data array as JSON text, encoding each cell by its column. */
export function encodeRows(rows: readonly (readonly (string | null)[])[], columns: readonly LabColumn[]): string {
  const parts = rows.map((row) => `[${row.map((cell, index) => (cell === null ? 'null' : columns[index].encode(cell))).join(',')}]`);
  return `[${parts.join(',')}]`;
}
