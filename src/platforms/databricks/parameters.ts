/**
 * Named parameters on Databricks: Spark SQL's own `:name` markers, with the values sent in
 * TExecuteStatementReq.parameters (TSparkParameter). The driver fills that field only when the
 * server answered OpenSession with SPARK_CLI_SERVICE_PROTOCOL_V8 or later, and otherwise drops
 * the values without a word; so a session on an older server refuses instead of sending a
 * statement whose markers would arrive without values.
 */
import { PlatformError } from '../errors';
import { hasParameters, markParameters, type MarkedStatement } from '../parameter-markers';
import type { StatementParameters } from '../types';

/** TProtocolVersion.SPARK_CLI_SERVICE_PROTOCOL_V8: the first that carries parameters. */
export const PARAMETERS_PROTOCOL = 0xa508;

/** Spark reads a named marker as `:` and an identifier; names of other shapes are not sent. */
const SIMPLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface BoundStatement {
  readonly text: string;
  /** How `text` maps back to the statement written, when parameters were marked. */
  readonly marked: MarkedStatement | undefined;
  readonly namedParameters: Readonly<Record<string, string | null>> | undefined;
}

/**
 * The protocol version the server answered OpenSession with, as the driver keeps it
 * (`DBSQLSession.backend.serverProtocolVersion`, public in JavaScript but not in the typings);
 * undefined when this driver build keeps it elsewhere.
 */
export function serverProtocolVersion(session: object): number | undefined {
  const backend = (session as { backend?: { serverProtocolVersion?: unknown } }).backend;
  const version = backend?.serverProtocolVersion;
  return typeof version === 'number' ? version : undefined;
}

export function bindNamedParameters(sql: string, parameters: StatementParameters | undefined, session: object): BoundStatement {
  if (!hasParameters(parameters)) {
    return { text: sql, marked: undefined, namedParameters: undefined };
  }
  const version = serverProtocolVersion(session);
  if (version !== undefined && version < PARAMETERS_PROTOCOL) {
    throw new PlatformError(
      'configuration',
      `Nothing was run: this Databricks server speaks protocol version ${version - 0xa500} and accepts no bound parameters (version 8 or later does). Remove the parameters or use a newer runtime or SQL warehouse.`,
    );
  }
  const marked = markParameters(sql, parameters, (name) => {
    if (!SIMPLE_NAME.test(name)) {
      throw new PlatformError('configuration', `Nothing was run: Databricks takes parameter names of letters, digits and underscores only, not ${name}.`);
    }
    return `:${name}`;
  });
  // fromEntries defines own properties, so even a name like __proto__ stays a parameter.
  const namedParameters = Object.fromEntries(marked.names.map((name) => [name, parameters.values[name] ?? null]));
  return { text: marked.text, marked, namedParameters };
}
