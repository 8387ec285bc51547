import * as vscode from 'vscode';
import { resultTable } from '../checks/result-table';
import type { CaseResult } from '../checks/types';
import { YOURSELF_IDENTITY } from '../checks/types';
import { assuranceFacts, describeAssurance } from '../platforms/assurance';
import type { ConnectionProfile } from '../platforms/types';
import type { RunStamp } from '../worksheets/run-types';
import type { ResultsController } from './results-controller';

export const OPEN_CHECK_RESULT_COMMAND = 'immutaWorksheets.openCheckResult';

/** What VS Code hands a `testing/message/context` (or `/content`) command. */
interface TestMessageArgs {
  readonly test?: vscode.TestItem;
  readonly message?: vscode.TestMessage;
}

/**
 * The last result of each case that ran, by the case's item path (file, check, identity), for
 * "Open actual result". Items are re-created at each parse, so the path, not the object, is the key.
 * Only the latest run of a case is kept: its rows are bounded by the checks' row limit.
 */
export class CheckResults {
  private readonly byCase = new Map<string, { readonly result: CaseResult; readonly uri: vscode.Uri }>();

  remember(item: vscode.TestItem, uri: vscode.Uri, result: CaseResult): void {
    this.byCase.set(itemPath(item), { result, uri });
  }

  find(item: vscode.TestItem): { readonly result: CaseResult; readonly uri: vscode.Uri } | undefined {
    return this.byCase.get(itemPath(item));
  }

  /** A file's checks are gone (deleted, no longer a check file): so are their results. */
  forgetFile(uri: vscode.Uri): void {
    const prefix = `${uri.toString()}\u0000`;
    for (const key of [...this.byCase.keys()]) if (key.startsWith(prefix)) this.byCase.delete(key);
  }
}

function itemPath(item: vscode.TestItem): string {
  const ids: string[] = [];
  for (let current: vscode.TestItem | undefined = item; current; current = current.parent) ids.unshift(current.id);
  return ids.join('\u0000');
}

/**
 * Shows a case's captured result in the results view, stamped with the identity it ran as,
 * with the host keeping the rows as for a worksheet's run. A case without a stamp (it never
 * had a session) opens its result as plain text instead.
 */
export async function openCheckResult(args: unknown, results: CheckResults, view: ResultsController, profile: (name: string) => ConnectionProfile | undefined): Promise<void> {
  const test = (args as TestMessageArgs | undefined)?.test;
  const found = test ? results.find(test) : undefined;
  if (!found?.result.result) {
    void vscode.window.showInformationMessage('This case has no captured result to open: run it again.');
    return;
  }
  const { result, uri } = found;
  const captured = found.result.result;
  const stamp = runStamp(result, profile);
  const label = `${result.check.name} as ${result.identity}`;
  const statement = { text: result.check.statement.text, startOffset: result.check.statement.range.start.offset };
  if (!stamp) {
    // No session was stamped (the case never ran as anyone): nothing to present as a run.
    const text = captured.status === 'rows' ? resultTable(captured.columns, captured.rows) : String(captured.error.message);
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument({ content: `-- ${label}\n${text}\n`, language: 'plaintext' }), { preview: true });
    return;
  }
  view.showFinished(uri, label, statement, captured.status === 'rows' ? captured.rows.length : 0, result.stamp?.project, (observer) => {
    observer.started?.(0, stamp);
    if (captured.status === 'failed') {
      observer.finished?.(0, { status: 'failed', stamp, error: captured.error });
      return;
    }
    observer.columns?.(0, captured.columns.map((name) => ({ name, type: '' })));
    if (captured.rows.length > 0) void observer.rows?.(0, captured.rows);
    if (captured.truncated) observer.notice?.(0, { severity: 'NOTICE', message: `Only the first ${captured.rows.length} rows were read (the checks' row limit).` });
    observer.finished?.(0, {
      status: 'succeeded',
      stamp,
      summary: { rowCount: captured.rows.length, command: 'SELECT', hasResultSet: true, durationMs: result.durationMs, queryId: result.stamp?.queryId ?? null },
    });
  });
}

/** The case's stamp as a worksheet run's, so the results view stamps it the same way. */
function runStamp(result: CaseResult, profileOf: (name: string) => ConnectionProfile | undefined): RunStamp | undefined {
  const stamp = result.stamp;
  if (!stamp) return undefined;
  const impersonating = stamp.identity !== YOURSELF_IDENTITY;
  const profile = profileOf(stamp.connection);
  return {
    platform: stamp.platform,
    profileName: stamp.connection,
    login: stamp.login,
    sessionId: stamp.sessionId,
    ranAs: impersonating ? { kind: 'impersonating', user: stamp.identity, assurance: stamp.assurance ?? 'applied' } : { kind: 'yourself' },
    assuranceNote: impersonating && stamp.assurance && profile ? describeAssurance(stamp.assurance, assuranceFacts(profile), stamp.identity) : undefined,
    startedAt: stamp.startedAt,
  };
}
