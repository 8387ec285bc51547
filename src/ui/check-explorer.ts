import * as vscode from 'vscode';
import type { CheckRunEnvironment } from '../checks/check-runner';
import type { Logger } from '../common/logger';
import type { ConnectionProfile, ConnectionSecret } from '../platforms/types';
import { CheckCatalog } from './check-catalog';
import { CheckResults, OPEN_CHECK_RESULT_COMMAND, openCheckResult } from './check-result-command';
import { CheckTestRuns } from './check-test-runs';
import type { ResultsController } from './results-controller';

export const CHECKS_CONTROLLER_ID = 'immutaWorksheets.checks';

export interface CheckExplorerDeps {
  profiles(): readonly ConnectionProfile[];
  bound(uri: vscode.Uri): ConnectionProfile | undefined;
  secretFor(profile: ConnectionProfile): Promise<ConnectionSecret>;
  readonly environment: CheckRunEnvironment;
  readonly results: ResultsController;
  readonly logger: Logger;
  /** A check run ended with at least one case judged. */
  readonly judged?: () => void;
}

/**
 * Policy checks in the Test Explorer (issue 20): the controller, its items (CheckCatalog), its
 * run profiles (CheckTestRuns) and "Open actual result" on a case's messages.
 */
export class CheckExplorer implements vscode.Disposable {
  private readonly controller = vscode.tests.createTestController(CHECKS_CONTROLLER_ID, 'Immuta policy checks');
  private readonly catalog: CheckCatalog;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(deps: CheckExplorerDeps) {
    const results = new CheckResults();
    this.catalog = new CheckCatalog(this.controller, { profiles: deps.profiles, bound: deps.bound, logger: deps.logger, removed: (uri) => results.forgetFile(uri) });
    const runs = new CheckTestRuns({ controller: this.controller, catalog: this.catalog, secretFor: deps.secretFor, environment: deps.environment, results, logger: deps.logger, judged: deps.judged });
    this.subscriptions.push(
      this.catalog,
      ...runs.register(),
      vscode.commands.registerCommand(OPEN_CHECK_RESULT_COMMAND, (args: unknown) =>
        openCheckResult(args, results, deps.results, (name) => deps.profiles().find((profile) => profile.name === name)),
      ),
      this.controller,
    );
  }

  /** Connections or document bindings changed: each file's connection is resolved again. */
  reresolve(): void {
    this.catalog.reresolve();
  }

  dispose(): void {
    for (const subscription of this.subscriptions) subscription.dispose();
  }
}
