/** The lab started once for the integration tier (see lab-hooks.ts). */
import type { LabPostgres } from '../lab/postgres';

let current: LabPostgres | undefined;

export function setLab(lab: LabPostgres | undefined): void {
  current = lab;
}

export function lab(): LabPostgres {
  if (!current) {
    throw new Error('The lab is not running: the integration tier must be run with --require lab-hooks.');
  }
  return current;
}
