/**
 * The pure half of `Immuta: Set Effect Probe…` (and of the probe step in Add Connection): the
 * prompts and their checks, which settings scope holds a connection's entry, and the edit that
 * puts a probe into that one entry or takes it out.
 *
 * No `vscode` import on purpose: the unit tests run this under plain mocha.
 */
import { USER_PLACEHOLDER } from '../platforms/impersonation-template';
import type { ConnectionProfile, EffectProbe } from '../platforms/types';

/** What a probe is, in the one line every prompt for one starts with. */
export const PROBE_IN_ONE_LINE =
  'An effect probe is one query that, run as the impersonated user, answers whom Immuta applies policies for; the worksheet runs it after every impersonation and on Verify, and refuses to run statements when the answer is wrong.';

export const PROBE_STATEMENT_PLACEHOLDER = 'e.g. SELECT user_name FROM governance.immuta_whoami (a table whose Immuta policy shows each user only their own row)';

export const PROBE_EXPECT_PROMPT = `What the probe\u2019s first value must be; ${USER_PLACEHOLDER} stands for the impersonated user (e.g. ${USER_PLACEHOLDER}, or ${USER_PLACEHOLDER}@example.com).`;

/** A probe statement is sent as written: a `{user}` in it would be sent literally, and a probe that echoes the user proves nothing. */
export function validateProbeStatement(value: string): string | undefined {
  return value.includes(USER_PLACEHOLDER)
    ? `The probe is sent as written: ${USER_PLACEHOLDER} is not replaced in it. Ask the data whom Immuta applies policies for, without naming the user.`
    : undefined;
}

/** The expected answer must name the user, or every user would pass the probe alike. */
export function validateProbeExpect(value: string): string | undefined {
  if (value.trim() === '') return `An expected answer is needed; ${USER_PLACEHOLDER} alone means the user name itself.`;
  return value.includes(USER_PLACEHOLDER)
    ? undefined
    : `Write ${USER_PLACEHOLDER} where the impersonated user goes (e.g. ${USER_PLACEHOLDER} or ${USER_PLACEHOLDER}@example.com): without it the probe could not tell one user from another.`;
}

/** The probe the answers make, trimmed as every other setting the extension writes. */
export function probeFrom(statement: string, expect: string): EffectProbe {
  return { statement: statement.trim(), expect: expect.trim() };
}

export type SettingsScope = 'user' | 'workspace';

/** `inspect()` of the connections setting, as far as VS Code shows it. */
export interface ScopedConnections {
  /** The user settings' list (`globalValue`). */
  readonly user: unknown;
  /** The workspace settings' list (`workspaceValue`); VS Code withholds it in Restricted Mode. */
  readonly workspace: unknown;
  /** Whether the workspace is trusted. */
  readonly trusted: boolean;
}

export type ProbeTarget =
  | {
      readonly kind: 'entry';
      readonly scope: SettingsScope;
      /** That scope's whole list, to write back with one entry changed. */
      readonly list: readonly unknown[];
      readonly index: number;
      /** An entry of the same name in the user settings, hidden by the workspace's list (left as it is). */
      readonly shadowedInUser: boolean;
    }
  | {
      readonly kind: 'refused';
      readonly message: string;
      /** Refused because of Restricted Mode: trusting the workspace would change the answer. */
      readonly restricted: boolean;
    };

function indexIn(list: unknown, name: string): number {
  if (!Array.isArray(list)) return -1;
  return list.findIndex((entry: unknown) => typeof entry === 'object' && entry !== null && (entry as Record<string, unknown>).name === name);
}

/**
 * Where the entry of the connection `name` that worksheets use lives. A workspace that sets the
 * connections setting at all replaces the user's list (VS Code does not merge lists), so its
 * entry is the one in effect even when the user settings hold one of the same name; that one is
 * left alone and said so. Nothing is ever moved between scopes.
 */
export function probeTarget(scopes: ScopedConnections, name: string): ProbeTarget {
  if (scopes.workspace !== undefined) {
    const index = indexIn(scopes.workspace, name);
    if (index < 0 || !Array.isArray(scopes.workspace)) {
      return { kind: 'refused', restricted: false, message: `The connection "${name}" is no longer in this workspace\u2019s connections (which replace those in your user settings here), so there is no entry to add a probe to. Choose the connection again.` };
    }
    if (!scopes.trusted) {
      return {
        kind: 'refused',
        restricted: true,
        message: `The connection "${name}" is defined in this workspace\u2019s settings, which cannot be changed in Restricted Mode. Trust the workspace to edit its connections.`,
      };
    }
    return { kind: 'entry', scope: 'workspace', list: scopes.workspace, index, shadowedInUser: indexIn(scopes.user, name) >= 0 };
  }
  const index = indexIn(scopes.user, name);
  if (index >= 0 && Array.isArray(scopes.user)) {
    return { kind: 'entry', scope: 'user', list: scopes.user, index, shadowedInUser: false };
  }
  if (!scopes.trusted) {
    // VS Code withholds the workspace's list in Restricted Mode: reading it is impossible and
    // writing it would replace what it holds.
    return {
      kind: 'refused',
      restricted: true,
      message: `The connection "${name}" is not in your user settings, and this workspace\u2019s settings can be neither read nor changed in Restricted Mode. Trust the workspace to edit its connections.`,
    };
  }
  return { kind: 'refused', restricted: false, message: `The connection "${name}" is no longer in the settings, so there is no entry to add a probe to. Choose the connection again.` };
}

/**
 * The list with the entry at `index` carrying `probe` (or, for undefined, no probe). Every other
 * entry, and every other field of that entry, is kept as it was; a probe that was there is
 * replaced where it stood, so the settings file changes in that one place.
 */
export function listWithProbe(list: readonly unknown[], index: number, probe: EffectProbe | undefined): unknown[] {
  return list.map((entry, at) => (at === index && typeof entry === 'object' && entry !== null ? entryWithProbe(entry as Record<string, unknown>, probe) : entry));
}

function entryWithProbe(entry: Record<string, unknown>, probe: EffectProbe | undefined): Record<string, unknown> {
  const value = probe === undefined ? undefined : { statement: probe.statement, expect: probe.expect };
  if (!('effectProbe' in entry)) return value === undefined ? { ...entry } : { ...entry, effectProbe: value };
  return Object.fromEntries(
    Object.entries(entry).flatMap(([key, old]): [string, unknown][] => (key !== 'effectProbe' ? [[key, old]] : value === undefined ? [] : [[key, value]])),
  );
}

/** Where the probe went, in the words of the message that says it was saved. */
export function scopeWords(scope: SettingsScope): string {
  return scope === 'user' ? 'your user settings' : 'this workspace\u2019s settings';
}

/** The profile as the settings hold it once the probe is written: with `probe`, or with none. */
export function profileWithProbe(profile: ConnectionProfile, probe: EffectProbe | undefined): ConnectionProfile {
  if (probe !== undefined) return { ...profile, effectProbe: probe };
  // Only an optional field goes: what is left is the same platform's profile.
  return Object.fromEntries(Object.entries(profile).filter(([key]) => key !== 'effectProbe')) as ConnectionProfile;
}
