import type { CellValue, ColumnInfo } from '../types';
import type { SdkColumn } from './sdk';

/**
 * Rows are asked of the driver with every type but BOOLEAN as text (`fetchAsString`), so that
 * no digit is lost on the way: the driver would otherwise turn NUMBER(38,0) into a lossy JS
 * number and dates into JS Dates in the local time zone. Dates and timestamps then arrive
 * formatted with the session's own output formats, as Snowflake's own UI shows them.
 */
export const FETCH_AS_STRING = ['Number', 'Date', 'JSON', 'Buffer'] as const;

/** The server's type name: NUMBER(p,s) for `fixed`, otherwise the rowtype name upper-cased. */
export function columnInfo(column: SdkColumn): ColumnInfo {
  const type = column.getType().toLowerCase();
  return {
    name: column.getName(),
    type: type === 'fixed' ? `NUMBER(${column.getPrecision()},${column.getScale()})` : type.toUpperCase(),
  };
}

/** How one column's cells become UI values. */
export function cellConverter(column: SdkColumn): (value: unknown) => CellValue {
  const type = column.getType().toLowerCase();
  if (type === 'fixed' && column.getScale() === 0) {
    return (value) => {
      if (value === null || value === undefined) return null;
      const text = String(value);
      const number = Number(text);
      return Number.isSafeInteger(number) ? number : text;
    };
  }
  if (type === 'real') {
    return (value) => {
      if (value === null || value === undefined) return null;
      const number = Number(value);
      // NaN and infinities stay text: JSON (and so the results view) has no such numbers.
      return Number.isFinite(number) ? number : String(value);
    };
  }
  if (type === 'boolean') {
    return (value) => (value === null || value === undefined ? null : value === true || value === 'TRUE' || value === '1');
  }
  return (value) => (value === null || value === undefined ? null : typeof value === 'string' ? value : JSON.stringify(value));
}
