import * as vscode from 'vscode';
import type { Logger } from '../common/logger';
import { USER_PLACEHOLDER } from '../platforms/impersonation-template';
import type { ConnectionProfile, EffectProbe } from '../platforms/types';
import { CONNECTIONS_SETTING, type ConnectionStore } from './connection-store';
import {
  listWithProbe,
  PROBE_EXPECT_PROMPT,
  PROBE_IN_ONE_LINE,
  PROBE_STATEMENT_PLACEHOLDER,
  probeFrom,
  probeTarget,
  profileWithProbe,
  scopeWords,
  validateProbeExpect,
  validateProbeStatement,
  type ProbeTarget,
} from './effect-probe-settings';
import { VERIFY_NOW } from './probe-prompts';
import { COMMANDS } from './status-model';

export interface EffectProbeEditorOptions {
  readonly store: ConnectionStore;
  /** Hands bound worksheets the connection's new probe (WorksheetRegistry.adoptEffectProbes). */
  readonly adopt: (profiles: readonly ConnectionProfile[]) => Promise<number>;
  /** The connection of the active worksheet, if any: "Verify Now" verifies that worksheet. */
  readonly activeConnection: () => string | undefined;
  readonly logger: Logger;
}

const REMOVE = 'Remove Probe';
const MANAGE_TRUST = 'Manage Workspace Trust';

/**
 * `Immuta: Set Effect Probe…`: asks for a connection's probe statement and expected answer and
 * writes them into that connection's entry, in the settings scope that defines it (user or
 * workspace; never moved). An empty statement removes the probe, after a confirmation.
 */
export class EffectProbeEditor {
  constructor(private readonly options: EffectProbeEditorOptions) {}

  /** The connection a notice or a refusal names; said why not when it is not in use here. */
  async editNamed(name: string): Promise<void> {
    const named = this.options.store.find(name);
    if (named) {
      await this.edit(named);
      return;
    }
    const where = this.target(name);
    if (where.kind === 'refused') {
      await this.refuse(where);
    } else {
      // In the settings but not loadable: the store's own words say what is wrong with it.
      void vscode.window.showErrorMessage(`The connection "${name}" cannot be loaded, so its effect probe cannot be set: ${this.options.store.list().problems.join(' ')}`);
    }
  }

  async edit(chosen: ConnectionProfile): Promise<void> {
    const name = chosen.name;
    // Refused before anything is asked: typing a probe that cannot be saved wastes the user's time.
    const where = this.target(name);
    if (where.kind === 'refused') {
      await this.refuse(where);
      return;
    }
    // The settings as they are now, not as the worksheet bound them.
    const fresh = this.options.store.find(name) ?? chosen;
    const current = fresh.effectProbe;
    const title = (step: number, label: string) => `Effect Probe for "${name}" (${step}/2): ${label}`;
    const statement = await vscode.window.showInputBox({
      title: title(1, 'statement'),
      prompt: `${PROBE_IN_ONE_LINE} ${current ? 'Empty removes this connection\u2019s probe.' : 'Leave empty to add none.'}`,
      placeHolder: PROBE_STATEMENT_PLACEHOLDER,
      value: current?.statement ?? '',
      ignoreFocusOut: true,
      validateInput: validateProbeStatement,
    });
    if (statement === undefined) return;
    if (statement.trim() === '') {
      await this.remove(fresh);
      return;
    }
    const expect = await vscode.window.showInputBox({
      title: title(2, 'expected answer'),
      prompt: PROBE_EXPECT_PROMPT,
      value: current?.expect ?? USER_PLACEHOLDER,
      ignoreFocusOut: true,
      validateInput: validateProbeExpect,
    });
    if (expect === undefined) return;
    // Checked again: the entry must never depend on an input box having validated it.
    const problem = validateProbeStatement(statement) ?? validateProbeExpect(expect);
    if (problem !== undefined) {
      void vscode.window.showErrorMessage(`The effect probe of "${name}" was not saved: ${problem}`);
      return;
    }
    const saved = await this.write(fresh, probeFrom(statement, expect));
    if (saved === undefined) return;
    const shadow = saved.shadowedInUser ? ' The entry of the same name in your user settings is not in use in this workspace and was left as it is.' : '';
    const here = this.options.activeConnection() === name;
    const next = here ? ' Verify now to run it in this worksheet.' : ' It runs the next time a worksheet impersonates on this connection, and on Verify.';
    const choice = await vscode.window.showInformationMessage(`The effect probe of "${name}" was saved in ${scopeWords(saved.scope)}.${shadow}${next}`, ...(here ? [VERIFY_NOW] : []));
    if (choice === VERIFY_NOW) await vscode.commands.executeCommand(COMMANDS.verify);
  }

  private async remove(profile: ConnectionProfile): Promise<void> {
    const name = profile.name;
    if (profile.effectProbe === undefined) {
      void vscode.window.showInformationMessage(`"${name}" has no effect probe; nothing was changed.`);
      return;
    }
    const choice = await vscode.window.showWarningMessage(
      `Remove the effect probe of "${name}"?`,
      { modal: true, detail: 'Impersonation on this connection will no longer be confirmed: the worksheet can then only say it applied it (or read it back).' },
      REMOVE,
    );
    if (choice !== REMOVE) return;
    const saved = await this.write(profile, undefined);
    if (saved) void vscode.window.showInformationMessage(`The effect probe of "${name}" was removed from ${scopeWords(saved.scope)}.`);
  }

  /**
   * Writes the probe into the entry, found afresh (the settings may have changed while the user
   * typed), and hands it to the worksheets bound to the connection. Undefined: refused, and said.
   */
  private async write(chosen: ConnectionProfile, probe: EffectProbe | undefined): Promise<Extract<ProbeTarget, { kind: 'entry' }> | undefined> {
    const where = this.target(chosen.name);
    if (where.kind === 'refused') {
      await this.refuse(where);
      return undefined;
    }
    const target = where.scope === 'user' ? vscode.ConfigurationTarget.Global : vscode.ConfigurationTarget.Workspace;
    await vscode.workspace.getConfiguration().update(CONNECTIONS_SETTING, listWithProbe(where.list, where.index, probe), target);
    this.options.logger.info(`${probe ? 'set' : 'removed'} the effect probe of connection "${chosen.name}" in ${where.scope} settings`);
    // Enqueued on each worksheet now, so a Verify that follows runs the new probe.
    void this.options.adopt([profileWithProbe(chosen, probe)]).then(
      (count) => count > 0 && this.options.logger.info(`${count} worksheet(s) on "${chosen.name}" took the new effect probe`),
      (error: unknown) => this.options.logger.warn(`handing worksheets the new effect probe failed: ${error instanceof Error ? error.message : String(error)}`),
    );
    return where;
  }

  private target(name: string): ProbeTarget {
    const inspected = vscode.workspace.getConfiguration().inspect<unknown>(CONNECTIONS_SETTING);
    return probeTarget({ user: inspected?.globalValue, workspace: inspected?.workspaceValue, trusted: vscode.workspace.isTrusted }, name);
  }

  private async refuse(refusal: Extract<ProbeTarget, { kind: 'refused' }>): Promise<void> {
    const choice = await vscode.window.showErrorMessage(refusal.message, ...(refusal.restricted ? [MANAGE_TRUST] : []));
    if (choice === MANAGE_TRUST) await vscode.commands.executeCommand(COMMANDS.manageTrust);
  }
}
