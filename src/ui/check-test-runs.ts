import * as vscode from 'vscode';
import { runKey } from '../checks/check-plan';
import { runChecks, type CheckRunEnvironment, type CheckSuite } from '../checks/check-runner';
import type { CaseResult } from '../checks/types';
import type { Logger } from '../common/logger';
import type { ConnectionProfile, ConnectionSecret } from '../platforms/types';
import type { CheckCase, CheckCatalog } from './check-catalog';
import { errorMessage, failureMessages, stampOutput } from './check-messages';
import type { CheckResults } from './check-result-command';
import { readCheckSettings } from './check-settings';
import { errorMessage as describeError } from './messages';

export interface CheckTestRunsDeps {
  readonly controller: vscode.TestController;
  readonly catalog: CheckCatalog;
  /** The connection's secret: the connection store's flow (one prompt per connection, shared). */
  secretFor(profile: ConnectionProfile): Promise<ConnectionSecret>;
  readonly environment: CheckRunEnvironment;
  readonly results: CheckResults;
  readonly logger: Logger;
  /** A run ended with at least one case judged (the walkthrough's last step). */
  readonly judged?: () => void;
}

/**
 * The Test Explorer's two run profiles of policy checks: "Run" and "Update snapshots". A run
 * takes the cases of the items asked for (one identity, a check, a file, or all), hands them to
 * the headless runner (short-lived sessions of their own, like Compare as…), and marks each item
 * as its case starts and ends.
 */
export class CheckTestRuns {
  constructor(private readonly deps: CheckTestRunsDeps) {}

  register(): vscode.Disposable[] {
    const { controller } = this.deps;
    return [
      controller.createRunProfile('Run', vscode.TestRunProfileKind.Run, (request, token) => this.run(request, token, false), true),
      controller.createRunProfile('Update snapshots', vscode.TestRunProfileKind.Run, (request, token) => this.run(request, token, true), false),
    ];
  }

  private async run(request: vscode.TestRunRequest, token: vscode.CancellationToken, updateSnapshots: boolean): Promise<void> {
    const { controller, catalog, logger } = this.deps;
    await catalog.discover();
    // A file without `@connection` runs on its document's connection as bound now.
    catalog.reresolve();
    const run = controller.createTestRun(request, updateSnapshots ? 'Immuta policy checks (updating snapshots)' : 'Immuta policy checks');
    const settled = new Set<vscode.TestItem>();
    const wanted = new Map<string, CheckCase>();
    try {
      const cases = this.casesOf(request);
      const suites = new Map<string, CheckSuite>();
      const secrets = new Map<string, Promise<string | undefined>>();
      for (const entry of cases) {
        const { file } = entry;
        if ('error' in file.connection) {
          run.errored(entry.item, new vscode.TestMessage(file.connection.error));
          settled.add(entry.item);
          continue;
        }
        const profile = file.connection.profile;
        // Asked before the run, once per connection: a case must not fail on a prompt that another dismissed.
        let asked = secrets.get(profile.name);
        if (!asked) {
          asked = this.deps.secretFor(profile).then(() => undefined, (error: unknown) => describeError(error, profile.platform));
          secrets.set(profile.name, asked);
        }
        const refused = await asked;
        if (refused !== undefined) {
          run.errored(entry.item, new vscode.TestMessage(refused));
          settled.add(entry.item);
          continue;
        }
        const key = file.uri.fsPath;
        if (!suites.has(key)) suites.set(key, { file: key, text: file.text, parsed: file.parsed, profile });
        wanted.set(runKey(key, entry.check, entry.identity), entry);
        run.enqueued(entry.item);
      }
      if (wanted.size === 0 || token.isCancellationRequested) return;
      let judged = false;
      const abort = new AbortController();
      const cancelled = token.onCancellationRequested(() => abort.abort());
      const settings = readCheckSettings();
      try {
        await runChecks([...suites.values()], this.deps.environment, {
          concurrency: settings.concurrency,
          rowLimit: settings.rowLimit,
          minimumAssurance: settings.minimumAssurance,
          updateSnapshots,
          signal: abort.signal,
          only: (file, check, identity) => wanted.has(runKey(file, check, identity)),
          onCaseStarted: (file, check, identity) => {
            const entry = wanted.get(runKey(file, check, identity));
            if (entry) run.started(entry.item);
          },
          onCaseResult: (result) => {
            const entry = wanted.get(runKey(result.file, result.check, result.identity));
            if (!entry || settled.has(entry.item)) return;
            judged = true;
            settled.add(entry.item);
            this.report(run, entry, result);
          },
        });
      } finally {
        cancelled.dispose();
        if (judged) this.deps.judged?.();
      }
    } catch (error) {
      logger.error(`checks: the run failed (${describeError(error)})`);
      for (const entry of wanted.values()) {
        if (!settled.has(entry.item)) run.errored(entry.item, new vscode.TestMessage(`The check run failed: ${describeError(error)}`));
        settled.add(entry.item);
      }
    } finally {
      // Cases the run never reached (cancelled) say so rather than stay queued.
      for (const entry of wanted.values()) if (!settled.has(entry.item)) run.skipped(entry.item);
      run.end();
    }
  }

  private report(run: vscode.TestRun, entry: CheckCase, result: CaseResult): void {
    const uri = entry.file.uri;
    const location = new vscode.Location(uri, new vscode.Position(result.check.line, 0));
    run.appendOutput(stampOutput(result), location, entry.item);
    if (result.result) this.deps.results.remember(entry.item, uri, result);
    switch (result.verdict) {
      case 'passed':
        run.passed(entry.item, result.durationMs);
        break;
      case 'failed':
        run.failed(entry.item, failureMessages(result, uri), result.durationMs);
        break;
      case 'error':
        run.errored(entry.item, errorMessage(result, uri), result.durationMs);
        break;
      case 'skipped':
        run.skipped(entry.item);
        break;
    }
  }

  /** The cases of the request: its items (all when none), less the excluded ones and what is under them. */
  private casesOf(request: vscode.TestRunRequest): CheckCase[] {
    const roots: vscode.TestItem[] = [];
    if (request.include) roots.push(...request.include);
    else this.deps.controller.items.forEach((item) => roots.push(item));
    const excluded = new Set(request.exclude ?? []);
    const isExcluded = (item: vscode.TestItem) => {
      for (let current: vscode.TestItem | undefined = item; current; current = current.parent) if (excluded.has(current)) return true;
      return false;
    };
    const seen = new Set<vscode.TestItem>();
    const cases: CheckCase[] = [];
    for (const root of roots) {
      for (const entry of this.deps.catalog.casesUnder(root)) {
        if (seen.has(entry.item) || isExcluded(entry.item)) continue;
        seen.add(entry.item);
        cases.push(entry);
      }
    }
    return cases;
  }
}
