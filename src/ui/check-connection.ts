import type { ConnectionProfile } from '../platforms/types';

export type CheckConnection = { readonly profile: ConnectionProfile } | { readonly error: string };

/**
 * The connection a check file runs on: the one its `@connection` names, else the one its
 * document's worksheet is bound to, else the only one configured. A name that matches no
 * configured connection is an error rather than a fallback: running a file's checks somewhere
 * other than where it says would judge the wrong policies.
 */
export function resolveCheckConnection(
  written: string | undefined,
  profiles: readonly ConnectionProfile[],
  bound: ConnectionProfile | undefined,
): CheckConnection {
  const names = profiles.map((profile) => profile.name);
  const choices = names.length === 0 ? 'none is configured in immutaWorksheets.connections' : `one of: ${names.map((name) => `"${name}"`).join(', ')}`;
  if (written !== undefined) {
    const named = profiles.find((profile) => profile.name === written);
    return named ? { profile: named } : { error: `The connection "${written}" of this file's \`-- @connection\` is not configured (${choices}).` };
  }
  if (bound) return { profile: bound };
  if (profiles.length === 1) return { profile: profiles[0] };
  return { error: `No connection for this file: add \`-- @connection <name>\` (${choices}).` };
}
