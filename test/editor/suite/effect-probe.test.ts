/**
 * `Immuta: Set Effect Probe…` and the probe step of Add Connection, run through the real
 * extension host: the suite shares the extension's `vscode` API object, so it answers the quick
 * picks, input boxes and notifications the extension shows, and reads the settings VS Code wrote.
 *
 * The one-time notice on an unconfirmed connection needs a worksheet that really impersonates,
 * i.e. a database; this tier starts none (see run-editor-tier.ts), so that decision is covered by
 * test/unit/probe-messages.test.ts instead.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { api, waitFor } from './helpers';

const SETTING = 'immutaWorksheets.connections';
const PROBE_SQL = 'SELECT USER_NAME FROM GOVERNANCE.PUBLIC.IMMUTA_WHOAMI';
const SNOWFLAKE = { name: 'Probe me', platform: 'snowflake', account: 'myorg-acct', user: 'governor', auth: 'password', warehouse: 'WH' };
const REDSHIFT = { name: 'Leave me', platform: 'redshift', host: '127.0.0.1', port: 1, user: 'governor', tls: { mode: 'disable' } };

type PickItems = readonly vscode.QuickPickItem[] | Thenable<readonly vscode.QuickPickItem[]>;
type Message = (message: string, ...rest: unknown[]) => Thenable<string | undefined>;
/** The calls stood in for, as the extension makes them. */
interface Window {
  showInputBox: (options?: vscode.InputBoxOptions) => Thenable<string | undefined>;
  showQuickPick: (items: PickItems, options?: vscode.QuickPickOptions) => Thenable<vscode.QuickPickItem | undefined>;
  showInformationMessage: Message;
  showWarningMessage: Message;
  showErrorMessage: Message;
}

interface Shown {
  readonly kind: 'information' | 'warning' | 'error';
  readonly message: string;
  readonly items: readonly string[];
  readonly modal: boolean;
}

describe('effect probes in a real extension host', () => {
  const window = vscode.window as unknown as Window;
  const original: Window = {
    showInputBox: window.showInputBox,
    showQuickPick: window.showQuickPick,
    showInformationMessage: window.showInformationMessage,
    showWarningMessage: window.showWarningMessage,
    showErrorMessage: window.showErrorMessage,
  };
  let inputs: vscode.InputBoxOptions[];
  let picks: string[];
  let shown: Shown[];

  /** Answers input boxes by the end of their title, quick picks by a label or value, messages with `reply`. */
  function standIn(answers: Record<string, string | undefined>, choose: (item: vscode.QuickPickItem & { value?: string }) => boolean, reply: (message: Shown) => string | undefined = () => undefined): void {
    window.showInputBox = (options) => {
      inputs.push(options ?? {});
      const key = Object.keys(answers).find((suffix) => (options?.title ?? '').endsWith(suffix));
      return Promise.resolve(key === undefined ? undefined : answers[key]);
    };
    window.showQuickPick = (items, options) => {
      picks.push(options?.title ?? options?.placeHolder ?? '');
      return Promise.resolve(items).then((list) => list.find(choose));
    };
    const message = (kind: Shown['kind']): Message => (text, ...rest) => {
      const options = typeof rest[0] === 'object' && rest[0] !== null ? (rest[0] as vscode.MessageOptions) : undefined;
      const entry: Shown = { kind, message: text, items: rest.filter((item): item is string => typeof item === 'string'), modal: options?.modal === true };
      shown.push(entry);
      return Promise.resolve(reply(entry));
    };
    window.showInformationMessage = message('information');
    window.showWarningMessage = message('warning');
    window.showErrorMessage = message('error');
  }

  function userConnections(): unknown {
    return vscode.workspace.getConfiguration().inspect<unknown[]>(SETTING)?.globalValue;
  }

  beforeEach(async () => {
    await api();
    inputs = [];
    picks = [];
    shown = [];
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  afterEach(async () => {
    Object.assign(window, original);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.workspace.getConfiguration().update(SETTING, undefined, vscode.ConfigurationTarget.Global);
    if (workspaceConnections() !== undefined) await vscode.workspace.getConfiguration().update(SETTING, undefined, vscode.ConfigurationTarget.Workspace);
  });

  function workspaceConnections(): unknown {
    return vscode.workspace.getConfiguration().inspect<unknown[]>(SETTING)?.workspaceValue;
  }

  it('a connection of the workspace settings gets its probe there; one of the same name in the user settings is left and said to be', async () => {
    assert.equal(vscode.workspace.workspaceFolders?.length, 1, 'the tier opens a folder, so there are workspace settings');
    await vscode.workspace.getConfiguration().update(SETTING, [SNOWFLAKE], vscode.ConfigurationTarget.Global);
    await vscode.workspace.getConfiguration().update(SETTING, [REDSHIFT, SNOWFLAKE], vscode.ConfigurationTarget.Workspace);
    standIn({ ': statement': PROBE_SQL, ': expected answer': '{user}' }, () => false);
    await vscode.commands.executeCommand('immutaWorksheets.setEffectProbe', SNOWFLAKE.name);
    assert.deepEqual(workspaceConnections(), [REDSHIFT, { ...SNOWFLAKE, effectProbe: { statement: PROBE_SQL, expect: '{user}' } }]);
    assert.deepEqual(userConnections(), [SNOWFLAKE], 'the user settings are not touched');
    assert.match(
      shown.at(-1)?.message ?? '',
      /^The effect probe of "Probe me" was saved in this workspace’s settings\. The entry of the same name in your user settings is not in use in this workspace and was left as it is\./,
    );
  });

  it('asks for the statement and the expected answer, and writes them into the chosen connection\u2019s entry only', async () => {
    await vscode.workspace.getConfiguration().update(SETTING, [REDSHIFT, SNOWFLAKE], vscode.ConfigurationTarget.Global);
    standIn({ ': statement': `  ${PROBE_SQL}  `, ': expected answer': '{user}@example.com' }, (item) => item.label.includes(SNOWFLAKE.name));

    await vscode.commands.executeCommand('immutaWorksheets.setEffectProbe');

    assert.deepEqual(picks, ['Set the effect probe of…'], 'without a worksheet, the connection is picked');
    assert.equal(inputs.length, 2);
    const [statement, expected] = inputs;
    assert.equal(statement.title, 'Effect Probe for "Probe me" (1/2): statement');
    assert.match(statement.prompt ?? '', /^An effect probe is one query that, run as the impersonated user, answers whom Immuta applies policies for/);
    assert.equal(statement.value, '');
    assert.equal(expected.title, 'Effect Probe for "Probe me" (2/2): expected answer');
    assert.equal(expected.value, '{user}');
    assert.equal(await expected.validateInput?.('{user}'), undefined);
    assert.match(String(await expected.validateInput?.('bob')), /Write \{user\} where the impersonated user goes/);
    assert.deepEqual(userConnections(), [REDSHIFT, { ...SNOWFLAKE, effectProbe: { statement: PROBE_SQL, expect: '{user}@example.com' } }]);
    const saved = shown.find((entry) => entry.kind === 'information');
    assert.equal(saved?.message, 'The effect probe of "Probe me" was saved in your user settings. It runs the next time a worksheet impersonates on this connection, and on Verify.');
    assert.deepEqual(saved?.items, [], 'no worksheet on it is open, so there is nothing to verify now');
  });

  it('on a worksheet\u2019s connection: prefilled with its probe, offers Verify Now; an empty statement removes it after a confirmation', async () => {
    const status = await api();
    const probed = { ...SNOWFLAKE, effectProbe: { statement: PROBE_SQL, expect: '{user}' } };
    await vscode.workspace.getConfiguration().update(SETTING, [probed, REDSHIFT], vscode.ConfigurationTarget.Global);
    const document = await vscode.workspace.openTextDocument({ language: 'sql', content: 'select 1' });
    await vscode.window.showTextDocument(document);
    standIn({}, (item) => item.label.includes(SNOWFLAKE.name));
    await vscode.commands.executeCommand('immutaWorksheets.selectConnection');
    await waitFor(() => status.statusBar().connection, (text) => text.includes(SNOWFLAKE.name), 'the worksheet bound to the Snowflake connection');
    picks = [];

    standIn({ ': statement': 'SELECT who FROM governance.whoami', ': expected answer': '{user}' }, () => false);
    await vscode.commands.executeCommand('immutaWorksheets.setEffectProbe');
    assert.deepEqual(picks, [], 'the active worksheet\u2019s connection is not asked for');
    assert.equal(inputs[0]?.value, PROBE_SQL, 'the statement box shows the current probe');
    assert.match(inputs[0]?.prompt ?? '', /Empty removes this connection\u2019s probe\./);
    assert.deepEqual(userConnections(), [{ ...SNOWFLAKE, effectProbe: { statement: 'SELECT who FROM governance.whoami', expect: '{user}' } }, REDSHIFT]);
    assert.deepEqual(shown.at(-1)?.items, ['Verify Now']);
    assert.match(shown.at(-1)?.message ?? '', /Verify now to run it in this worksheet\.$/);

    inputs = [];
    shown = [];
    standIn({ ': statement': '' }, () => false, (message) => (message.modal ? 'Remove Probe' : undefined));
    await vscode.commands.executeCommand('immutaWorksheets.setEffectProbe');
    assert.equal(inputs.length, 1, 'no expected answer is asked when the probe goes');
    const confirm = shown.find((entry) => entry.modal);
    assert.equal(confirm?.message, 'Remove the effect probe of "Probe me"?');
    assert.deepEqual(confirm?.items, ['Remove Probe']);
    assert.deepEqual(userConnections(), [SNOWFLAKE, REDSHIFT], 'the probe is gone, the rest of the entry and the other entry stay');
    assert.equal(shown.at(-1)?.message, 'The effect probe of "Probe me" was removed from your user settings.');
  });

  it('removing is not done without the confirmation', async () => {
    const probed = { ...SNOWFLAKE, effectProbe: { statement: PROBE_SQL, expect: '{user}' } };
    await vscode.workspace.getConfiguration().update(SETTING, [probed], vscode.ConfigurationTarget.Global);
    standIn({ ': statement': '   ' }, () => false, () => undefined);
    await vscode.commands.executeCommand('immutaWorksheets.setEffectProbe', SNOWFLAKE.name);
    assert.ok(shown.some((entry) => entry.modal), 'the confirmation was shown');
    assert.deepEqual(userConnections(), [probed]);
  });

  it('named by a notice or a refusal, it edits that connection without asking which; Escape changes nothing', async () => {
    await vscode.workspace.getConfiguration().update(SETTING, [REDSHIFT, SNOWFLAKE], vscode.ConfigurationTarget.Global);
    standIn({}, () => true);
    await vscode.commands.executeCommand('immutaWorksheets.setEffectProbe', SNOWFLAKE.name);
    assert.deepEqual(picks, []);
    assert.equal(inputs[0]?.title, 'Effect Probe for "Probe me" (1/2): statement');
    assert.deepEqual(userConnections(), [REDSHIFT, SNOWFLAKE]);

    await vscode.commands.executeCommand('immutaWorksheets.setEffectProbe', 'Gone');
    assert.match(shown.at(-1)?.message ?? '', /^The connection "Gone" is no longer in the settings/);
    assert.equal(shown.at(-1)?.kind, 'error');
  });

  it('Add Connection offers a probe after the platform\u2019s own steps, and writes it into the new entry', async () => {
    await vscode.workspace.getConfiguration().update(SETTING, [REDSHIFT], vscode.ConfigurationTarget.Global);
    const answers = { ': name': 'Wizard probe', ': account': 'myorg-acct', ': login': 'governor', ': role': '', ': warehouse': '', ': database': '', ': schema': '', ': effect probe': PROBE_SQL, ': probe answer': '{user}' };
    standIn(answers, (item) => item.value === 'snowflake' || item.value === 'password' || item.value === 'user');
    await vscode.commands.executeCommand('immutaWorksheets.addConnection');
    const probeStep = inputs.find((options) => (options.title ?? '').endsWith(': effect probe'));
    assert.ok(probeStep, `asked: ${inputs.map((options) => options.title).join(' | ')}`);
    // The total grows by the answer step once a probe is given, as with a key file.
    assert.equal(probeStep.title, 'Add Connection (10/11): effect probe');
    assert.match(probeStep.prompt ?? '', /^Effect probe \(recommended for Snowflake and Databricks; optional elsewhere\)\. /);
    const last = inputs.at(-1);
    assert.equal(last?.title, 'Add Connection (11/12): probe answer');
    assert.equal(last?.value, '{user}');
    assert.deepEqual(userConnections(), [
      REDSHIFT,
      { name: 'Wizard probe', platform: 'snowflake', account: 'myorg-acct', user: 'governor', auth: 'password', effectProbe: { statement: PROBE_SQL, expect: '{user}' } },
    ]);
  });

  it('Add Connection: an empty probe step is skipped, and the entry has no probe', async () => {
    const answers = { ': name': 'No probe', ': account': 'myorg-acct', ': login': 'governor', ': role': '', ': warehouse': '', ': database': '', ': schema': '', ': effect probe': '' };
    standIn(answers, (item) => item.value === 'snowflake' || item.value === 'password' || item.value === 'user');
    await vscode.commands.executeCommand('immutaWorksheets.addConnection');
    assert.equal(inputs.at(-1)?.title, 'Add Connection (10/11): effect probe');
    assert.deepEqual(userConnections(), [{ name: 'No probe', platform: 'snowflake', account: 'myorg-acct', user: 'governor', auth: 'password' }]);
  });
});
