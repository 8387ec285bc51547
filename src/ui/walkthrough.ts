import * as vscode from 'vscode';

/** The walkthrough's id in package.json (`contributes.walkthroughs`). */
export const WALKTHROUGH_ID = 'gettingStarted';
export const OPEN_WALKTHROUGH_COMMAND = 'immutaWorksheets.getStarted';

/**
 * What a person has done that a step of the walkthrough teaches. Each is a context key
 * (`immutaWorksheets.walkthrough.<step>`) that the step's `completionEvents` wait for, set on the
 * real event: a session opened, an impersonation applied, a run finished, a comparison opened, a
 * check run ended. VS Code keeps a completed step completed.
 */
export type WalkthroughStep = 'connected' | 'impersonated' | 'ran' | 'compared' | 'checked';

const OFFERED_KEY = 'immutaWorksheets.walkthroughOffered';

export class Walkthrough {
  private readonly done = new Set<WalkthroughStep>();

  constructor(private readonly context: vscode.ExtensionContext) {}

  /** The palette's way back to the walkthrough, whenever wanted. */
  register(): vscode.Disposable {
    return vscode.commands.registerCommand(OPEN_WALKTHROUGH_COMMAND, () => this.open());
  }

  /** Marks `step` as done (once per window; VS Code remembers completed steps itself). */
  completed(step: WalkthroughStep): void {
    if (this.done.has(step)) return;
    this.done.add(step);
    void vscode.commands.executeCommand('setContext', `immutaWorksheets.walkthrough.${step}`, true);
  }

  /**
   * Opens the walkthrough on the first activation in this profile, unless
   * `immutaWorksheets.walkthrough.openOnFirstActivation` is off (test workbenches turn it off).
   * VS Code's own `workbench.welcomePage.walkthroughs.openOnInstall` is not read: a remote
   * extension host (VS Code's server build) is not given its value.
   */
  async openOnFirstActivation(): Promise<boolean> {
    if (this.context.globalState.get<boolean>(OFFERED_KEY) === true) return false;
    if (!vscode.workspace.getConfiguration('immutaWorksheets').get<boolean>('walkthrough.openOnFirstActivation', true)) return false;
    await this.context.globalState.update(OFFERED_KEY, true);
    await this.open();
    return true;
  }

  private async open(): Promise<void> {
    await vscode.commands.executeCommand('workbench.action.openWalkthrough', `${this.context.extension.id}#${WALKTHROUGH_ID}`, false);
  }
}
