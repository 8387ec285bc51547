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
   * Opens the walkthrough on the first activation in this profile, unless VS Code's own setting
   * says walkthroughs are not to open by themselves (test workbenches turn it off).
   */
  async openOnFirstActivation(): Promise<void> {
    if (this.context.globalState.get<boolean>(OFFERED_KEY) === true) return;
    if (vscode.workspace.getConfiguration('workbench.welcomePage').get<boolean>('walkthroughs.openOnInstall') === false) return;
    await this.context.globalState.update(OFFERED_KEY, true);
    await this.open();
  }

  private async open(): Promise<void> {
    await vscode.commands.executeCommand('workbench.action.openWalkthrough', `${this.context.extension.id}#${WALKTHROUGH_ID}`, false);
  }
}
