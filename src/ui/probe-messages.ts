/**
 * When the extension speaks up about effect probes, and what it says: the one-time notice on a
 * connection whose impersonation nobody confirms, and the refusal when a probe disagreed.
 *
 * No `vscode` import on purpose: the decisions are unit-tested under plain mocha; probe-prompts.ts
 * shows them.
 */
import type { ConnectionProfile } from '../platforms/types';
import { isWorksheetError } from '../worksheets/errors';
import type { IdentityState } from '../worksheets/identity';
import type { AuditEntry } from '../worksheets/worksheet';
import { unconfirmedNotice } from './status-model';

/**
 * The user guide inside the installed extension, as path segments. Not the README: vsce renames
 * README.md to readme.md in the package, so a case-sensitive file system would not find it; the
 * guide keeps its name (test/integration/vsix.test.ts checks it is packaged with this section).
 */
export const GUIDE_FILE: readonly string[] = ['docs', 'guide.md'];
/** The guide's section on effect probes (a stable anchor: the heading is "Effect probes"). */
export const EFFECT_PROBES_ANCHOR = 'effect-probes';

/** globalState key: names of the connections whose unconfirmed notice was shown (never again for them). */
export const UNCONFIRMED_NOTICE_KEY = 'immutaWorksheets.unconfirmedNoticeShown';

export interface UnconfirmedNotice {
  readonly connection: string;
  readonly message: string;
}

/**
 * The notice to show for an audit entry, or undefined. Only the moment a worksheet starts
 * impersonating (a requested apply that succeeded, not a re-apply after a reconnect), only on a
 * connection whose impersonation statement Immuta does not document and that has no probe, and
 * only once per connection: `shown` lists the connections already told.
 */
export function unconfirmedNoticeFor(entry: AuditEntry, profile: ConnectionProfile | undefined, shown: readonly string[]): UnconfirmedNotice | undefined {
  if (entry.action !== 'apply' || entry.outcome !== 'ok' || entry.user === null) return undefined;
  // The profile the worksheet holds now must be the one that applied (a rebind may have come between).
  if (profile === undefined || profile.name !== entry.profileName || shown.includes(profile.name)) return undefined;
  const message = unconfirmedNotice(profile);
  return message === undefined ? undefined : { connection: profile.name, message };
}

/** What globalState holds under UNCONFIRMED_NOTICE_KEY, as a list of names whatever was stored. */
export function shownConnections(stored: unknown): string[] {
  return Array.isArray(stored) ? stored.filter((name): name is string => typeof name === 'string') : [];
}

export interface ProbeRefusal {
  /** Quotes what the probe answered and what was expected. */
  readonly message: string;
  /** The connection whose probe disagreed, for "Edit Effect Probe…". */
  readonly connection: string | undefined;
}

/**
 * A refusal because the effect probe disagreed, or undefined for any other error: a
 * `probe-disagrees` error (the probe ran just now: on impersonating, or on re-applying before a
 * run), or a run refused because an earlier probe left the identity unknown.
 */
export function probeRefusal(error: unknown, identity: IdentityState | undefined, connection: string | undefined): ProbeRefusal | undefined {
  if (!isWorksheetError(error)) return undefined;
  if (error.kind === 'probe-disagrees') return { message: error.message, connection };
  if (error.kind !== 'identity-unknown' || identity?.kind !== 'unknown' || identity.cause !== 'probe') return undefined;
  const user = typeof identity.intendedUser === 'string' ? identity.intendedUser : 'the chosen user';
  // The reason quotes both answers: `the effect probe answered "x" where "y" was expected`.
  const reason = identity.reason.charAt(0).toUpperCase() + identity.reason.slice(1);
  return {
    message:
      `Nothing was run: impersonation of ${user} is not confirmed. ${reason}, so statements would not run as ${user}. ` +
      'Check the impersonation statement this connection uses (Immuta may read another variable or key) and the effect probe, then verify.',
    connection,
  };
}
