/**
 * One statement on a Databricks session: ExecuteStatement (asynchronous, so the operation handle
 * for a cancel exists at once), the driver's GetOperationStatus polling until it finishes, then
 * the result fetched in chunks and handed on as it arrives.
 */
import type { CellValue, ColumnInfo, Row } from '../types';
import type { SdkColumnDesc, SdkOperation, SdkRowSetProvider, SdkSession } from './sdk';
import { columnInfo, driverCell, int64Text, rowsOf } from './values';

/** TSparkRowSetType.COLUMN_BASED_SET */
const COLUMN_BASED_SET = 1;

export const EXECUTE_OPTIONS = {
  runAsync: true,
  // No "direct results": with them the server may hold ExecuteStatement until the statement
  // ends, and until it answers there is no operation handle to cancel.
  maxRows: null,
  useCloudFetch: false,
  useLZ4Compression: false,
} as const;

export interface ResultOut {
  columns(columns: readonly ColumnInfo[]): void;
  rows(batch: readonly Row[]): void | Promise<void>;
}

export interface Drained {
  readonly hasResultSet: boolean;
  /** Rows returned, or rows affected when the server said; null when it did not. */
  readonly rowCount: number | null;
}

function isRowSetProvider(value: unknown): value is SdkRowSetProvider {
  const candidate = value as Partial<SdkRowSetProvider> | null | undefined;
  return typeof candidate?.fetchNext === 'function' && typeof candidate.hasMore === 'function';
}

/** Waits for the operation and streams its result into `out`, `batchRows` rows at a time. */
export async function drain(operation: SdkOperation, out: ResultOut, batchRows: number): Promise<Drained> {
  await operation.finished();
  const status = await operation.status();
  if (status.hasResultSet === false) {
    const modified = status.numModifiedRows ? Number(int64Text(status.numModifiedRows)) : null;
    return { hasResultSet: false, rowCount: modified };
  }
  const metadata = await operation.getMetadata();
  const descriptors: SdkColumnDesc[] = [...(metadata.schema?.columns ?? [])].sort((a, b) => a.position - b.position);
  out.columns(descriptors.map(columnInfo));
  let count = 0;
  const deliver = async (rows: readonly Row[]) => {
    if (rows.length > 0) {
      count += rows.length;
      await out.rows(rows);
    }
  };
  const provider = operation._data;
  if (metadata.resultFormat === COLUMN_BASED_SET && isRowSetProvider(provider)) {
    for (;;) {
      const rowSet = await provider.fetchNext({ limit: batchRows });
      await deliver(rowSet?.columns ? rowsOf(rowSet.columns, descriptors.length) : []);
      if (!(await provider.hasMore())) {
        break;
      }
    }
  } else {
    // Arrow or cloud-fetch results (a server that ignored our preference): the driver's rows,
    // keyed by column name, exact only as far as preserveBigNumericPrecision takes them.
    do {
      const chunk = (await operation.fetchChunk({ maxRows: batchRows, disableBuffering: true })) as Record<string, unknown>[];
      await deliver(chunk.map((row) => descriptors.map((descriptor): CellValue => driverCell(row[descriptor.columnName]))));
    } while (await operation.hasMoreRows());
  }
  return { hasResultSet: true, rowCount: count };
}

export interface Collected {
  readonly columns: ColumnInfo[];
  readonly rows: CellValue[][];
}

/** Runs one of the adapter's own (small) statements and collects its result. */
export async function collect(session: SdkSession, sql: string): Promise<Collected> {
  const operation = await session.executeStatement(sql, EXECUTE_OPTIONS);
  const collected: { columns: ColumnInfo[]; rows: CellValue[][] } = { columns: [], rows: [] };
  try {
    await drain(
      operation,
      {
        columns: (columns) => {
          collected.columns = [...columns];
        },
        rows: (batch) => {
          collected.rows.push(...batch.map((row) => [...row]));
        },
      },
      1000,
    );
  } finally {
    await operation.close().catch(() => undefined);
  }
  return collected;
}
