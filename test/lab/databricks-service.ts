/**
 * The TCLIService calls of the Databricks lab, for one authenticated login. Every answer is a
 * plain object the generated Thrift structs wrap on write. Failures travel as Databricks sends
 * them: a TStatus with ERROR_STATUS, and a statement's failure as ERROR_STATE in
 * GetOperationStatus (with SQLSTATE and message), never as a Thrift exception.
 */
import type { LabPostgres } from './postgres';
import { LabSession, type LabOperation, type LabParameter, type SessionContext } from './databricks-session';
import { columnDescs, columnValues, int64, int64Number } from './databricks-types';

export const SUCCESS = { statusCode: 0 };
const ERROR_STATUS = 3;
/** TProtocolVersion.SPARK_CLI_SERVICE_PROTOCOL_V8, what current Databricks runtimes answer (the first with parameters). */
export const PROTOCOL_V8 = 42248;
/** TSparkRowSetType.COLUMN_BASED_SET */
const COLUMN_BASED_SET = 1;
const OPERATION_STATE = { running: 1, finished: 2, canceled: 3, closed: 4, error: 5 } as const;

export interface ReceivedCall {
  readonly call: string;
  readonly login: string | undefined;
  readonly sessionId?: string;
  readonly statement?: string;
  /** ExecuteStatement's TSparkParameters as received (a NULL has neither type nor value). */
  readonly parameters?: readonly LabParameter[];
  /** What ExecuteStatement asked for: Arrow, cloud fetch, LZ4, direct results. */
  readonly asked?: { readonly arrow: boolean; readonly cloudFetch: boolean; readonly lz4: boolean; readonly directResults: boolean };
  readonly httpStatus: number;
  readonly at: number;
}

export interface LabState {
  readonly lab: LabPostgres;
  readonly context: SessionContext;
  readonly sessions: Map<string, LabSession>;
  /** Ids of sessions the lab expired: every later call on them is an invalid handle. */
  readonly expired: Set<string>;
  readonly received: ReceivedCall[];
  /** Rows per FetchResults at most. */
  readonly pageRows: number;
  /** How long GetOperationStatus waits for a running operation to end before answering RUNNING. */
  readonly statusWaitMs: number;
  /** What OpenSession answers as serverProtocolVersion. */
  readonly protocolVersion: number;
}

/** TSparkParameter as the generated Thrift code reads it. */
interface ThriftParameter {
  readonly ordinal?: number | null;
  readonly name?: string | null;
  readonly type?: string | null;
  readonly value?: { readonly stringValue?: string | null } | null;
}

function labParameter(parameter: ThriftParameter): LabParameter {
  return {
    name: parameter.name ?? undefined,
    type: parameter.type ?? undefined,
    value: parameter.value?.stringValue ?? null,
  };
}

interface HandleIdentifier {
  readonly guid: Buffer;
  readonly secret: Buffer;
}

interface HandleRequest {
  readonly sessionHandle?: { readonly sessionId: HandleIdentifier };
  readonly operationHandle?: { readonly operationId: HandleIdentifier };
}

export function uuidOf(guid: Buffer): string {
  const hex = guid.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function identifier(uuid: string): HandleIdentifier {
  return { guid: Buffer.from(uuid.replace(/-/g, ''), 'hex'), secret: Buffer.from(uuid.replace(/-/g, ''), 'hex') };
}

function errorStatus(message: string, sqlState?: string): object {
  // As Hive/Databricks: the message, and a Java stack in infoMessages.
  return { statusCode: ERROR_STATUS, errorCode: 0, errorMessage: message, ...(sqlState ? { sqlState } : {}), infoMessages: [`*org.apache.hive.service.cli.HiveSQLException:${message}:0:0`] };
}

function operationHandle(operation: LabOperation, hasResultSet: boolean): object {
  return { operationId: identifier(operation.id), operationType: 0, hasResultSet };
}

/** The handler the generated Processor calls; one per HTTP request, bound to its login. */
export function createHandler(state: LabState, login: { user: string; password: string }): object {
  const record = (call: string, extra: Partial<ReceivedCall> = {}) => state.received.push({ call, login: login.user, httpStatus: 200, at: Date.now(), ...extra });

  /** The session a request names, or the error status to answer with. */
  const sessionOf = (request: HandleRequest): LabSession | { status: object } => {
    const guid = request.sessionHandle?.sessionId.guid;
    const id = guid ? uuidOf(guid) : '';
    const session = state.sessions.get(id);
    if (!session || state.expired.has(id) || session.lost || session.login !== login.user) {
      return { status: errorStatus(`Invalid SessionHandle: SessionHandle [${id}]`) };
    }
    return session;
  };

  const operationOf = (request: HandleRequest): LabOperation | { status: object } => {
    const guid = request.operationHandle?.operationId.guid;
    const id = guid ? uuidOf(guid) : '';
    for (const [sessionId, session] of state.sessions) {
      const operation = session.operations.get(id);
      if (operation && !state.expired.has(sessionId) && session.login === login.user) return operation;
    }
    return { status: errorStatus(`Invalid OperationHandle: OperationHandle [opType=EXECUTE_STATEMENT, getHandleIdentifier()=${id}]`) };
  };

  return {
    async OpenSession(request: { initialNamespace?: { catalogName?: string | null; schemaName?: string | null } | null }) {
      const catalog = request.initialNamespace?.catalogName ?? undefined;
      const schema = request.initialNamespace?.schemaName ?? undefined;
      if (catalog && catalog !== state.context.catalog) {
        record('OpenSession');
        return { status: errorStatus(`[NO_SUCH_CATALOG_EXCEPTION] Catalog '${catalog}' was not found.`, '42704'), serverProtocolVersion: state.protocolVersion };
      }
      let session: LabSession;
      try {
        session = await LabSession.open(login, state.lab, state.context, schema || undefined);
      } catch (error) {
        record('OpenSession');
        return { status: errorStatus(error instanceof Error ? error.message : String(error)), serverProtocolVersion: state.protocolVersion };
      }
      state.sessions.set(session.id, session);
      record('OpenSession', { sessionId: session.id });
      return {
        status: SUCCESS,
        serverProtocolVersion: state.protocolVersion,
        sessionHandle: { sessionId: identifier(session.id) },
        canUseMultipleCatalogs: true,
        initialNamespace: { catalogName: state.context.catalog, ...(schema ? { schemaName: schema } : {}) },
        configuration: {},
      };
    },

    async CloseSession(request: HandleRequest) {
      const session = sessionOf(request);
      record('CloseSession', { sessionId: 'id' in session ? session.id : undefined });
      if (!(session instanceof LabSession)) return session;
      state.sessions.delete(session.id);
      await session.close();
      return { status: SUCCESS };
    },

    async ExecuteStatement(
      request: HandleRequest & {
        statement: string;
        runAsync?: boolean | null;
        canReadArrowResult?: boolean | null;
        canDownloadResult?: boolean | null;
        canDecompressLZ4Result?: boolean | null;
        getDirectResults?: object | null;
        parameters?: readonly ThriftParameter[] | null;
      },
    ) {
      const session = sessionOf(request);
      const asked = {
        arrow: request.canReadArrowResult === true,
        cloudFetch: request.canDownloadResult === true,
        lz4: request.canDecompressLZ4Result === true,
        directResults: request.getDirectResults !== null && request.getDirectResults !== undefined,
      };
      const parameters = (request.parameters ?? []).map(labParameter);
      record('ExecuteStatement', {
        statement: request.statement,
        asked,
        ...(parameters.length > 0 ? { parameters } : {}),
        ...(session instanceof LabSession ? { sessionId: session.id } : {}),
      });
      if (!(session instanceof LabSession)) return session;
      const operation = session.execute(request.statement, parameters);
      if (!request.runAsync) await operation.done;
      // Until it has run, the lab cannot know whether there will be rows; the final status says.
      return { status: SUCCESS, operationHandle: operationHandle(operation, true) };
    },

    async GetOperationStatus(request: HandleRequest) {
      const operation = operationOf(request);
      record('GetOperationStatus', { ...('sessionId' in operation ? { sessionId: operation.sessionId } : {}) });
      if (!('state' in operation)) return operation;
      if (operation.state === 'running') {
        // A short wait spares the driver a 100 ms pause between polls for quick statements.
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([operation.done, new Promise<void>((resolve) => (timer = setTimeout(resolve, state.statusWaitMs)))]);
        clearTimeout(timer);
      }
      const base = { status: SUCCESS, operationState: OPERATION_STATE[operation.state] };
      switch (operation.state) {
        case 'finished':
          return {
            ...base,
            hasResultSet: operation.hasResultSet,
            ...(operation.modifiedRows !== undefined ? { numModifiedRows: int64(operation.modifiedRows) } : {}),
          };
        case 'error':
          return { ...base, sqlState: operation.error?.sqlState, errorCode: 0, errorMessage: operation.error?.message, displayMessage: operation.error?.message };
        case 'canceled':
          return { ...base, displayMessage: 'The operation was canceled by a client' };
        default:
          return base;
      }
    },

    async CancelOperation(request: HandleRequest) {
      const operation = operationOf(request);
      record('CancelOperation', { ...('sessionId' in operation ? { sessionId: operation.sessionId } : {}) });
      if (!('state' in operation)) return operation;
      const pid = operation.backendPid;
      operation.cancel();
      if (pid !== undefined) await state.lab.adminQuery('SELECT pg_cancel_backend($1)', [pid]);
      return { status: SUCCESS };
    },

    async CloseOperation(request: HandleRequest) {
      const operation = operationOf(request);
      record('CloseOperation', { ...('sessionId' in operation ? { sessionId: operation.sessionId } : {}) });
      if (!('state' in operation)) return operation;
      // Closing a running operation stops it, as Databricks does.
      const pid = operation.backendPid;
      if (operation.state === 'running') {
        operation.cancel();
        if (pid !== undefined) await state.lab.adminQuery('SELECT pg_cancel_backend($1)', [pid]);
      }
      state.sessions.get(operation.sessionId)?.operations.delete(operation.id);
      return { status: SUCCESS };
    },

    async GetResultSetMetadata(request: HandleRequest) {
      const operation = operationOf(request);
      record('GetResultSetMetadata');
      if (!('state' in operation)) return operation;
      return { status: SUCCESS, schema: { columns: columnDescs(operation.columns) }, resultFormat: COLUMN_BASED_SET, lz4Compressed: false };
    },

    async FetchResults(request: HandleRequest & { maxRows: unknown; fetchType?: number | null }) {
      const operation = operationOf(request);
      record('FetchResults');
      if (!('state' in operation)) return operation;
      if (operation.state !== 'finished') {
        return { status: errorStatus(`Expected state FINISHED, but found ${operation.state.toUpperCase()}`) };
      }
      const wanted = request.fetchType === 1 ? 0 : Math.max(1, Math.min(int64Number(request.maxRows) || state.pageRows, state.pageRows));
      const rows = operation.rows.slice(operation.offset, operation.offset + wanted);
      const startRowOffset = operation.offset;
      operation.offset += rows.length;
      return {
        status: SUCCESS,
        hasMoreRows: operation.offset < operation.rows.length,
        results: { startRowOffset: int64(startRowOffset), rows: [], columns: columnValues(operation.columns, rows) },
      };
    },

    async GetInfo(_request: unknown) {
      record('GetInfo');
      return { status: SUCCESS, infoValue: { stringValue: 'Databricks lab' } };
    },
  };
}
