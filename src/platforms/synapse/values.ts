import type { CellValue, ColumnInfo } from '../types';
import type { MssqlColumn } from './mssql';

/** Largest precision whose decimal values a JS number (and so tedious) carries digit for digit. */
const EXACT_DECIMAL_DIGITS = 15;

/** SQL Server's own type name: `int`, `nvarchar`, `decimal(12,2)`, `datetime2`... */
export function typeName(column: MssqlColumn): string {
  const name = column.type?.declaration ?? 'sql_variant';
  if ((name === 'decimal' || name === 'numeric') && column.precision !== undefined) {
    return `${name}(${column.precision},${column.scale ?? 0})`;
  }
  return name;
}

export function columnInfo(columns: readonly MssqlColumn[]): ColumnInfo[] {
  return columns.map((column) => ({ name: column.name, type: typeName(column) }));
}

const pad = (value: number, width = 2) => String(value).padStart(width, '0');

function dateText(value: Date): string {
  return `${pad(value.getUTCFullYear(), 4)}-${pad(value.getUTCMonth() + 1)}-${pad(value.getUTCDate())}`;
}

function timeText(value: Date): string {
  const millis = value.getUTCMilliseconds();
  return `${pad(value.getUTCHours())}:${pad(value.getUTCMinutes())}:${pad(value.getUTCSeconds())}${millis ? `.${pad(millis, 3)}` : ''}`;
}

/**
 * Converts one cell. Numbers stay numbers only where the column's type fits a JS number
 * exactly; bigint arrives as text from tedious and stays so; decimals come back as text with
 * their scale (tedious already made them a JS number, which is exact up to 15 digits; wider
 * decimals are shown as the driver delivered them). Dates are the server's wall-clock text (the
 * driver reads them as UTC), never a Date shifted into the local time zone.
 */
export function cellValue(value: unknown, column: MssqlColumn): CellValue {
  if (value === null || value === undefined) return null;
  const type = column.type?.declaration;
  if (typeof value === 'boolean' || typeof value === 'string') return value;
  if (typeof value === 'number') {
    if (type === 'decimal' || type === 'numeric' || type === 'money' || type === 'smallmoney') {
      const scale = column.scale ?? (type.endsWith('money') ? 4 : 0);
      return (column.precision ?? 38) <= EXACT_DECIMAL_DIGITS || type.endsWith('money') ? value.toFixed(scale) : String(value);
    }
    return Number.isFinite(value) ? value : String(value);
  }
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) return null;
    switch (type) {
      case 'date':
        return dateText(value);
      case 'time':
        return timeText(value);
      case 'datetimeoffset':
        return value.toISOString();
      default:
        return `${dateText(value)} ${timeText(value)}`;
    }
  }
  if (Buffer.isBuffer(value)) return `0x${value.toString('hex').toUpperCase()}`;
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}
