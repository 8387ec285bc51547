import * as vscode from 'vscode';
import type { Assurance } from '../platforms/assurance';

export const CHECK_SETTINGS = {
  concurrency: 'immutaWorksheets.checks.concurrency',
  rowLimit: 'immutaWorksheets.checks.rowLimit',
  minimumAssurance: 'immutaWorksheets.checks.minimumAssurance',
} as const;

export interface CheckSettings {
  /** Identities whose cases run at the same time. */
  readonly concurrency: number;
  /** Rows read per case unless a check says `@limit`. */
  readonly rowLimit: number;
  /** A case whose impersonation is less sure than this is an error, never a pass. */
  readonly minimumAssurance: Assurance;
}

const ASSURANCES: readonly Assurance[] = ['applied', 'read-back', 'confirmed'];

/** Read fresh at each run, so an edit applies to the next run without a reload. */
export function readCheckSettings(): CheckSettings {
  const config = vscode.workspace.getConfiguration();
  const whole = (key: string, fallback: number, min: number, max: number) => {
    const value = config.get<number>(key, fallback);
    return Number.isFinite(value) ? Math.min(max, Math.max(min, Math.floor(value))) : fallback;
  };
  const assurance = config.get<string>(CHECK_SETTINGS.minimumAssurance, 'read-back');
  return {
    concurrency: whole(CHECK_SETTINGS.concurrency, 4, 1, 16),
    rowLimit: whole(CHECK_SETTINGS.rowLimit, 10_000, 1, Number.MAX_SAFE_INTEGER),
    minimumAssurance: ASSURANCES.find((level) => level === assurance) ?? 'read-back',
  };
}
