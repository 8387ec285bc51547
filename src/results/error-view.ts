import { isPlatformError } from '../platforms/errors';
import { explainImpersonationError } from '../platforms/impersonation-errors';
import type { RunStamp } from '../worksheets/run-types';
import type { ErrorView } from './protocol';
import { lineAndColumn } from './run-results';

/**
 * The server's words for the view, with its code, detail, hint and position. When the server said
 * nothing (a lost connection, a cancel), the driver's text ("socket hang up") would explain
 * nothing: the adapter's own explanation shows instead, and it quotes that text. So does an
 * explanation of a bare server text (a session the database ended, a data source connection
 * that failed): the server's words alone would not say what happened or what comes next.
 */
export function errorView(error: unknown, statement: string, stamp: RunStamp | undefined): ErrorView {
  if (!isPlatformError(error)) return { message: error instanceof Error ? error.message : String(error) };
  const at = error.position ? lineAndColumn(statement, error.position.offset) : undefined;
  const serverSpoke = error.kind === 'server' || error.kind === 'permission' || error.kind === 'authentication';
  const server = error.serverMessage;
  const explainsServer = server !== undefined && error.message !== server && error.message.includes(server.replace(/\.$/, ''));
  const explained = stamp ? explainImpersonationError(stamp.platform, error, { user: stamp.ranAs.kind === 'impersonating' ? stamp.ranAs.user : undefined }) : undefined;
  return {
    message: serverSpoke && !explainsServer ? (server ?? error.message) : error.message,
    ...(error.code ? { code: error.code } : {}),
    ...(error.detail ? { detail: error.detail } : {}),
    ...(error.hint ? { hint: error.hint } : {}),
    ...(explained ? { advice: explained.advice } : {}),
    ...(at ? { line: at.line, column: at.column } : {}),
  };
}
