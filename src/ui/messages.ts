import { isPlatformError } from '../platforms/errors';
import { explainImpersonationError, type ImpersonationErrorContext } from '../platforms/impersonation-errors';
import type { PlatformId } from '../platforms/types';
import { isWorksheetError } from '../worksheets/errors';

/** One user-facing sentence (or two) for any error, keeping the server's own words. */
export function errorMessage(error: unknown, platform?: PlatformId, context?: ImpersonationErrorContext): string {
  if (isPlatformError(error)) {
    const parts = [error.message];
    // An explanation may quote the server's sentence without its closing full stop.
    if (error.serverMessage && !error.message.includes(error.serverMessage.replace(/\.$/, ''))) {
      parts.push(`Server: ${error.serverMessage}`);
    }
    if (error.detail) parts.push(error.detail);
    if (error.hint) parts.push(error.hint);
    if (error.kind === 'authentication') {
      parts.push('If the stored password is wrong, run "Immuta: Forget Connection Secret" and connect again.');
    }
    const explained = explainImpersonationError(platform, error, context);
    if (explained) parts.push(explained.advice);
    return parts.join(' ');
  }
  if (isWorksheetError(error)) {
    return error.message;
  }
  return error instanceof Error ? error.message : String(error);
}
