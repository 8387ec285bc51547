/**
 * The query-parameter prompt before a run, in the real extension host: the suite shares the
 * extension's `vscode` API object, so it stands in for the input box the extension creates (and
 * for the connection pick and the password prompt that come after it). This tier starts no
 * database: a run that gets past the parameters asks for the connection's password, which is how
 * the test sees that the run went on (and that a cancelled one never got that far).
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { api, waitFor } from './helpers';

const CONNECTION = { name: 'Parameters here', platform: 'redshift', host: '127.0.0.1', port: 1, user: 'governor', tls: { mode: 'disable' } };
type PickItems = readonly vscode.QuickPickItem[] | Thenable<readonly vscode.QuickPickItem[]>;

interface Window {
  createInputBox: () => vscode.InputBox;
  showInputBox: (options?: vscode.InputBoxOptions) => Thenable<string | undefined>;
  showQuickPick: (items: PickItems, options?: vscode.QuickPickOptions) => Thenable<vscode.QuickPickItem | undefined>;
}

/** What an input box showed when it appeared, and how the test answered it. */
interface Box {
  readonly title: string | undefined;
  readonly prompt: string | undefined;
  readonly value: string;
  readonly password: boolean;
  readonly buttons: number;
}

/** An InputBox that answers itself on show(): accept with `answer`, or hide (Escape) when it is undefined. */
function fakeInputBox(answer: (box: vscode.InputBox) => string | undefined, shown: Box[]): vscode.InputBox {
  const accept = new vscode.EventEmitter<void>();
  const hide = new vscode.EventEmitter<void>();
  const button = new vscode.EventEmitter<vscode.QuickInputButton>();
  const changed = new vscode.EventEmitter<string>();
  let visible = false;
  const box = {
    value: '',
    valueSelection: undefined,
    placeholder: undefined,
    password: false,
    prompt: undefined,
    validationMessage: undefined,
    buttons: [] as readonly vscode.QuickInputButton[],
    title: undefined,
    step: undefined,
    totalSteps: undefined,
    enabled: true,
    busy: false,
    ignoreFocusOut: false,
    onDidAccept: accept.event,
    onDidHide: hide.event,
    onDidTriggerButton: button.event,
    onDidChangeValue: changed.event,
    show() {
      visible = true;
      shown.push({ title: box.title, prompt: box.prompt, value: box.value, password: box.password, buttons: box.buttons.length });
      const typed = answer(box as unknown as vscode.InputBox);
      setImmediate(() => {
        if (typed === undefined) box.hide();
        else {
          box.value = typed;
          accept.fire();
        }
      });
    },
    hide() {
      if (!visible) return;
      visible = false;
      hide.fire();
    },
    dispose() {
      accept.dispose();
      hide.dispose();
      button.dispose();
      changed.dispose();
    },
  };
  return box as unknown as vscode.InputBox;
}

describe('the query-parameter prompt in a real extension host', () => {
  const window = vscode.window as unknown as Window;
  const original: Window = { createInputBox: window.createInputBox, showInputBox: window.showInputBox, showQuickPick: window.showQuickPick };
  let boxes: Box[];
  let passwordAsked: number;

  function standIn(answer: (box: vscode.InputBox) => string | undefined): void {
    window.createInputBox = () => fakeInputBox(answer, boxes);
    window.showInputBox = () => {
      passwordAsked++;
      return Promise.resolve(undefined);
    };
    window.showQuickPick = (items) => Promise.resolve(items).then((list) => list.find((item) => item.label.includes(CONNECTION.name)));
  }

  async function runIn(text: string): Promise<void> {
    const document = await vscode.workspace.openTextDocument({ language: 'sql', content: text });
    const editor = await vscode.window.showTextDocument(document);
    editor.selection = new vscode.Selection(0, 8, 0, 8);
    await vscode.commands.executeCommand('immutaWorksheets.runStatement');
  }

  beforeEach(async () => {
    await api();
    boxes = [];
    passwordAsked = 0;
    await vscode.workspace.getConfiguration().update('immutaWorksheets.connections', [CONNECTION], vscode.ConfigurationTarget.Global);
  });

  afterEach(async () => {
    Object.assign(window, original);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.workspace.getConfiguration().update('immutaWorksheets.connections', undefined, vscode.ConfigurationTarget.Global);
    await vscode.workspace.getConfiguration('', { languageId: 'sql' }).update('immutaWorksheets.parameters.enabled', undefined, vscode.ConfigurationTarget.Global, true);
  });

  it('asks for each name once before anything is sent; Escape cancels the run and nothing connects', async () => {
    standIn(() => undefined);
    await runIn("SELECT * FROM sales.customers WHERE region = :region AND r2 = :region AND note <> ':x' AND d > ${since}");
    assert.deepEqual(boxes.map((box) => box.title), ['Query parameter :region'], 'Escape on the first box ends the run: :since is not asked');
    assert.match(boxes[0].prompt ?? '', /Empty sends an empty string; \\N or the ⊘ button sends SQL NULL\. Escape cancels the run\./);
    assert.equal(boxes[0].buttons, 1, 'the NULL button');
    assert.equal(passwordAsked, 0, 'nothing connected, so no password was asked for');
  });

  it('a given value lets the run go on, and the next run of the document offers it again; a secret name is hidden and never offered', async () => {
    standIn((box) => (box.title?.endsWith(':region') ? 'EU' : 'hunter2'));
    const text = 'SELECT * FROM sales.customers WHERE region = :region AND :api_token IS NOT NULL';
    const document = await vscode.workspace.openTextDocument({ language: 'sql', content: text });
    await vscode.window.showTextDocument(document);
    await vscode.commands.executeCommand('immutaWorksheets.runStatement');
    await waitFor(() => passwordAsked, (count) => count > 0, 'the run going on to connect (the password prompt)');
    assert.deepEqual(boxes.map((box) => [box.title, box.value, box.password]), [
      ['Query parameter :region', '', false],
      ['Query parameter :api_token', '', true],
    ]);
    boxes = [];
    await vscode.window.showTextDocument(document);
    await vscode.commands.executeCommand('immutaWorksheets.runStatement');
    assert.deepEqual(boxes.map((box) => [box.title, box.value]), [
      ['Query parameter :region', 'EU'],
      ['Query parameter :api_token', ''],
    ]);
  });

  it('immutaWorksheets.parameters.enabled off for SQL files sends the text as typed, without a prompt', async () => {
    await vscode.workspace.getConfiguration('', { languageId: 'sql' }).update('immutaWorksheets.parameters.enabled', false, vscode.ConfigurationTarget.Global, true);
    standIn(() => 'EU');
    await runIn('SELECT * FROM sales.customers WHERE region = :region');
    await waitFor(() => passwordAsked, (count) => count > 0, 'the run going on to connect (the password prompt)');
    assert.deepEqual(boxes, []);
  });
});
