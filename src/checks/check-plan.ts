import type { ConnectionProfile } from '../platforms/types';
import { YOURSELF_IDENTITY, type CheckDefinition, type CheckFile } from './types';

/** A case to report: one check as one identity, and the identities its `same as` / `different from` need. */
export interface CheckCase {
  readonly file: string;
  readonly check: CheckDefinition;
  readonly identity: string;
  readonly comparedWith: readonly string[];
}

/** One statement to run in an identity's session. `reported`: it is a case of its own, not only a comparison's other side. */
export interface PlannedRun {
  readonly file: string;
  readonly check: CheckDefinition;
  readonly reported: boolean;
}

/** Everything one identity runs on one connection: one session. */
export interface SessionGroup {
  readonly profile: ConnectionProfile;
  readonly identity: string;
  readonly runs: PlannedRun[];
}

export interface CheckPlan {
  readonly cases: readonly CheckCase[];
  readonly groups: readonly SessionGroup[];
}

interface PlannableSuite {
  readonly file: string;
  readonly parsed: CheckFile;
  readonly profile: ConnectionProfile;
}

/** `yourself` in any case is the login; every other name is exactly as written. */
export function normalIdentity(identity: string): string {
  return identity.toLowerCase() === YOURSELF_IDENTITY ? YOURSELF_IDENTITY : identity;
}

/** A check is known by its line: names are meant to be unique, but a duplicate must not merge two checks' results. */
export function runKey(file: string, check: CheckDefinition, identity: string): string {
  return `${file}\u0000${check.line}\u0000${normalIdentity(identity)}`;
}

/**
 * Groups the statements by connection and identity, so each identity needs one session, and
 * adds the runs that comparisons need (a `same as carol` runs the statement as carol even when
 * carol is not one of the check's own identities).
 */
export function planChecks(suites: readonly PlannableSuite[], only?: (file: string, check: CheckDefinition, identity: string) => boolean): CheckPlan {
  const cases: CheckCase[] = [];
  const groups = new Map<string, SessionGroup>();
  const planned = new Map<string, PlannedRun>();
  const add = (suite: PlannableSuite, check: CheckDefinition, identity: string, reported: boolean) => {
    const key = runKey(suite.file, check, identity);
    const existing = planned.get(key);
    if (existing) {
      if (reported && !existing.reported) (existing as { reported: boolean }).reported = true;
      return;
    }
    const groupKey = `${suite.profile.name}\u0000${identity}`;
    let group = groups.get(groupKey);
    if (!group) groups.set(groupKey, (group = { profile: suite.profile, identity, runs: [] }));
    const run: PlannedRun = { file: suite.file, check, reported };
    group.runs.push(run);
    planned.set(key, run);
  };
  for (const suite of suites) {
    for (const check of suite.parsed.checks) {
      const comparedWith = [
        ...new Set(
          check.expectations.flatMap((expectation) => (expectation.kind === 'same-as' || expectation.kind === 'different-from' ? [normalIdentity(expectation.identity)] : [])),
        ),
      ];
      for (const written of check.identities) {
        const identity = normalIdentity(written);
        if (only && !only(suite.file, check, written)) continue;
        cases.push({ file: suite.file, check, identity, comparedWith });
        add(suite, check, identity, true);
        for (const other of comparedWith) add(suite, check, other, false);
      }
    }
  }
  // Runs of one session go in file order, whatever order the cases asked for them.
  for (const group of groups.values()) group.runs.sort((a, b) => (a.file === b.file ? a.check.line - b.check.line : a.file < b.file ? -1 : 1));
  return { cases, groups: [...groups.values()] };
}
