import { isPlatformError } from '../platforms/errors';
import { explainImpersonationError } from '../platforms/impersonation-errors';
import type { PlatformId } from '../platforms/types';
import { isWorksheetError, type WorksheetErrorKind } from '../worksheets/errors';

/**
 * The sentence a tree node shows for a level that failed or an identity that could not be
 * verified: the server's own words first, then what it added (detail, hint) and the advice for a
 * known impersonation problem. The same text the UI's errorMessage builds, without importing ui/.
 */
export function levelMessage(error: unknown, platform: PlatformId, user?: string): string {
  if (isPlatformError(error)) {
    const parts = [error.message];
    if (error.serverMessage && !error.message.includes(error.serverMessage.replace(/\.$/, ''))) parts.push(`Server: ${error.serverMessage}`);
    if (error.detail) parts.push(error.detail);
    if (error.hint) parts.push(error.hint);
    const explained = explainImpersonationError(platform, error, user === undefined ? {} : { user });
    if (explained) parts.push(explained.advice);
    return parts.join(' ');
  }
  return error instanceof Error ? error.message : String(error);
}

/** Worksheet refusals that mean the session cannot vouch for its identity: the level is unverified, not failed. */
const IDENTITY_REFUSALS: ReadonlySet<WorksheetErrorKind> = new Set(['impersonation-not-established', 'identity-unknown', 'probe-disagrees']);

export function isIdentityRefusal(error: unknown): boolean {
  return isWorksheetError(error) && IDENTITY_REFUSALS.has(error.kind);
}
