/**
 * A comparison as the host would post it: four identities on a customers table, the diff made by
 * the real `compareSides`. yourself sees every row with ssn in the clear; alice sees the US rows
 * with ssn masked; bob sees rows 1–5 with ssn masked and no email column (between name and
 * region, so a missing column in the middle shows); carol's impersonation failed.
 */
import type { ToComparisonPage } from '../../src/compare/comparison-protocol';
import { summaryLines, type ComparisonReport, type SidePreview, type SideReport } from '../../src/compare/comparison-report';
import { compareSides, type ComparedSide } from '../../src/compare/diff';
import type { Row } from '../../src/platforms/types';

export const YOU = 'yourself';
export const ALICE = 'alice@example.com';
export const BOB = 'bob@example.com';
export const CAROL = 'carol@example.com';

export const CAROL_ERROR = 'Impersonation of carol@example.com could not be verified: permission denied to set session authorization. Ask an Immuta governor to grant the IMPERSONATE_USER permission.';

const ALL_COLUMNS = ['id', 'name', 'email', 'region', 'ssn'];
const CUSTOMERS: readonly Row[] = [
  [1, 'Ada Park', 'ada@example.org', 'US', '123-45-6789'],
  [2, 'Ben Ortiz', 'ben@example.org', 'US', '234-56-7890'],
  [3, 'Cleo Weiss', 'cleo@example.org', 'EU', '345-67-8901'],
  [4, 'Dan Roy', 'dan@example.org', 'US', '456-78-9012'],
  [5, 'Eva Lund', 'eva@example.org', 'EU', '567-89-0123'],
  [6, 'Finn Cole', 'finn@example.org', 'US', '678-90-1234'],
];

const masked = (row: Row): Row => row.map((value, at) => (at === 4 ? `***-**-${String(value).slice(-4)}` : value));
const withoutEmail = (row: Row): Row => row.filter((_value, at) => at !== 2);

export const YOU_SIDE: ComparedSide = { label: YOU, columns: ALL_COLUMNS, rows: CUSTOMERS };
export const ALICE_SIDE: ComparedSide = { label: ALICE, columns: ALL_COLUMNS, rows: CUSTOMERS.filter((row) => row[3] === 'US').map(masked) };
export const BOB_SIDE: ComparedSide = { label: BOB, columns: withoutEmail(ALL_COLUMNS) as string[], rows: CUSTOMERS.slice(0, 5).map(masked).map(withoutEmail) };

function succeeded(side: ComparedSide, ranAs: string, queryId: string, durationMs: number, project?: string): SideReport {
  return { label: side.label, state: 'succeeded', ranAs, assurance: 'confirmed by the server', project, rows: side.rows.length, durationMs, queryId, columns: side.columns };
}

const STARTED = Date.UTC(2025, 0, 15, 14, 3, 12);

/** The finished comparison of `sides` (succeeded, in that order) and then `failed`. */
export function finished(sides: readonly ComparedSide[], failed: readonly SideReport[], options: { statement?: string; projects?: Readonly<Record<string, string>> } = {}): ToComparisonPage {
  const diff = compareSides(sides);
  const reports = [
    ...sides.map((side, index) => succeeded(side, side.label === YOU ? 'yourself (svc_analyst)' : side.label, `q-${index + 1}`, 100 + 20 * index, options.projects?.[side.label])),
    ...failed,
  ];
  const report: ComparisonReport = {
    statement: options.statement ?? 'SELECT * FROM sales.customers',
    connection: 'lab-redshift',
    platform: 'redshift',
    startedAt: STARTED,
    finishedAt: STARTED + 900,
    sides: reports,
    diff,
    compared: sides.map((side) => side.label),
  };
  // The host adds previews as sides finish, so not in the sides' order.
  const previews: SidePreview[] = [...sides].reverse().map((side) => ({ label: side.label, columns: side.columns, rows: side.rows }));
  return { type: 'report', report, summaries: summaryLines(report), previews, running: false, previewLimit: 200 };
}

export function failedSide(label: string, message: string): SideReport {
  return { label, state: 'failed', message };
}

/** The four identities, finished. */
export function fourIdentities(): ToComparisonPage {
  return finished([YOU_SIDE, ALICE_SIDE, BOB_SIDE], [failedSide(CAROL, CAROL_ERROR)], { projects: { [BOB]: 'Fraud Analytics' } });
}

/** The same comparison while it runs: yourself done, alice running, bob and carol waiting. */
export function fourIdentitiesRunning(): ToComparisonPage {
  const done = fourIdentities();
  const sides: SideReport[] = [done.report.sides[0], { label: ALICE, state: 'running' }, { label: BOB, state: 'waiting' }, { label: CAROL, state: 'waiting' }];
  const report: ComparisonReport = { ...done.report, sides, diff: undefined, compared: [], finishedAt: undefined };
  return { type: 'report', report, summaries: summaryLines(report), previews: done.previews.filter((preview) => preview.label === YOU), running: true, previewLimit: 200 };
}
