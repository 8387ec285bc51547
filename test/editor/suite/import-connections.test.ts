/**
 * Immuta: Import Connections in a real extension host, run on a prepared home folder: the
 * suite runs in the extension's own process, so pointing HOME there points the command there.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { api, waitFor } from './helpers';

type Items = readonly vscode.QuickPickItem[] | Thenable<readonly vscode.QuickPickItem[]>;
type Message = (message: string, ...items: string[]) => Thenable<string | undefined>;
interface Window {
  showQuickPick: (items: Items, options?: vscode.QuickPickOptions) => Thenable<unknown>;
  showInputBox: (options?: vscode.InputBoxOptions) => Thenable<string | undefined>;
  showInformationMessage: Message;
  showWarningMessage: Message;
  showErrorMessage: Message;
}

/** The variables that move the sources' files; cleared so only the prepared home counts. */
const MOVED = ['HOME', 'SNOWFLAKE_HOME', 'DATABRICKS_CONFIG_FILE', 'PGSERVICEFILE', 'PGSYSCONFDIR', 'PGPASSFILE', 'PGHOST', 'PGPASSWORD', 'TRINO_CONFIG'];

describe('Import Connections in a real extension host', () => {
  const window = vscode.window as unknown as Window;
  const original: Window = {
    showQuickPick: window.showQuickPick,
    showInputBox: window.showInputBox,
    showInformationMessage: window.showInformationMessage,
    showWarningMessage: window.showWarningMessage,
    showErrorMessage: window.showErrorMessage,
  };
  const saved = Object.fromEntries(MOVED.map((name) => [name, process.env[name]]));
  let home: string;
  const messages: { kind: string; text: string }[] = [];
  const picks: vscode.QuickPickItem[][] = [];
  const asked: vscode.InputBoxOptions[] = [];

  beforeEach(async () => {
    await api();
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'import-editor-'));
    for (const name of MOVED) delete process.env[name];
    process.env.HOME = home;
    fs.writeFileSync(path.join(home, '.pg_service.conf'), '# psql services\n[svc]\nhost=127.0.0.1\nport=1\ndbname=dev\nuser=gov\nsslmode=disable\n');
    fs.writeFileSync(path.join(home, '.pgpass'), '127.0.0.1:*:*:gov:pgpass-secret\n', { mode: 0o600 });
    fs.writeFileSync(path.join(home, '.databrickscfg'), '[dbx]\nhost = https://dbc-1.cloud.databricks.invalid\ntoken = dapi-secret\n');
    fs.mkdirSync(path.join(home, '.snowflake'));
    fs.writeFileSync(path.join(home, '.snowflake', 'connections.toml'), '[prod]\naccount = "unterminated\n');
    messages.length = 0;
    picks.length = 0;
    asked.length = 0;
    const message = (kind: string): Message => (text) => {
      messages.push({ kind, text });
      return Promise.resolve(undefined);
    };
    window.showInformationMessage = message('information');
    window.showWarningMessage = message('warning');
    window.showErrorMessage = message('error');
    window.showInputBox = (options) => {
      asked.push(options ?? {});
      return Promise.resolve('/sql/1.0/warehouses/abc');
    };
    // Everything offered is taken (the items come picked).
    window.showQuickPick = (items, options) =>
      Promise.resolve(items).then((list) => {
        picks.push([...list]);
        return options?.canPickMany ? list.filter((item) => item.picked) : list.find((item) => /svc/.test(item.label));
      });
  });

  afterEach(async () => {
    Object.assign(window, original);
    for (const name of MOVED) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
    await vscode.workspace.getConfiguration().update('immutaWorksheets.connections', undefined, vscode.ConfigurationTarget.Global);
    fs.rmSync(home, { recursive: true, force: true });
  });

  const imported = (): Record<string, unknown>[] => (vscode.workspace.getConfiguration().inspect<Record<string, unknown>[]>('immutaWorksheets.connections')?.globalValue ?? []);

  it('finds the prepared files, asks for the missing HTTP path, writes profiles without secrets, and a second run updates them', async () => {
    await vscode.commands.executeCommand('immutaWorksheets.importConnections');
    const summary = await waitFor(() => messages.filter((m) => m.kind === 'information'), (list) => list.length > 0, 'the summary');
    assert.equal(summary[0].text, 'Imported 2, updated 0.');
    assert.deepEqual(picks[0].map((item) => [item.label, item.description]), [
      ['dbx', 'Databricks Spark'],
      ['svc', 'Amazon Redshift'],
    ]);
    assert.match(picks[0][0].detail ?? '', /\.databrickscfg \[dbx\].*missing: httpPath/);
    assert.match(picks[0][1].detail ?? '', /password from .*\.pgpass/);
    assert.match(asked[0].prompt ?? '', /HTTP path .* "dbx"/);
    const warning = messages.find((m) => m.kind === 'warning');
    assert.match(warning?.text ?? '', new RegExp(`${path.join(home, '.snowflake', 'connections.toml').replace(/[.\\]/g, '\\$&')}:2: `));
    const entries = imported();
    assert.deepEqual(entries.map((entry) => [entry.name, entry.importedFrom]), [
      ['dbx', `databricks:${path.join(home, '.databrickscfg')}#dbx`],
      ['svc', `pg-service:${path.join(home, '.pg_service.conf')}#svc`],
    ]);
    assert.equal(entries[0].httpPath, '/sql/1.0/warehouses/abc');
    assert.ok(!JSON.stringify(entries).includes('secret'), 'no secret in the settings');

    messages.length = 0;
    picks.length = 0;
    await vscode.commands.executeCommand('immutaWorksheets.importConnections');
    const again = await waitFor(() => messages.filter((m) => m.kind === 'information'), (list) => list.length > 0, 'the second summary');
    assert.equal(again[0].text, 'Imported 0, updated 2.');
    assert.deepEqual(picks[0].map((item) => item.description), ['Databricks Spark · update', 'Amazon Redshift · update']);
    assert.equal(imported().length, 2);
  });

  it('keeps the password found in ~/.pgpass in SecretStorage: testing the connection asks for none', async () => {
    // A port no other test uses: the secret kept for this endpoint can only come from this import.
    fs.writeFileSync(path.join(home, '.pg_service.conf'), '[svc]\nhost=127.0.0.1\nport=2\ndbname=dev\nuser=gov\nsslmode=disable\n');
    await vscode.commands.executeCommand('immutaWorksheets.importConnections');
    await waitFor(() => messages.filter((m) => m.kind === 'information'), (list) => list.length > 0, 'the summary');
    asked.length = 0;
    await vscode.commands.executeCommand('immutaWorksheets.testConnection');
    // Port 2 refuses: the test fails to connect, without a password prompt first.
    const error = await waitFor(() => messages.filter((m) => m.kind === 'error'), (list) => list.length > 0, 'the connection error', 20_000);
    assert.match(error[0].text, /"svc" could not connect/);
    assert.deepEqual(asked, [], 'no password prompt');
  });

  it('Add Connection offers the import first when this machine has connections, and goes on to it when chosen', async () => {
    window.showQuickPick = (items, options) =>
      Promise.resolve(items).then((list) => {
        picks.push([...list]);
        // Add Connection's first list: take its first item; the import's list: take what comes picked.
        return options?.canPickMany ? list.filter((item) => item.picked) : list[0];
      });
    await vscode.commands.executeCommand('immutaWorksheets.addConnection');
    const summary = await waitFor(() => messages.filter((m) => m.kind === 'information'), (list) => list.length > 0, 'the import summary');
    assert.match(picks[0][0].label, /Import 2 connections found on this machine…$/);
    assert.equal(picks[0][1].label, 'Amazon Redshift', 'then the platforms, as before');
    assert.equal(summary[0].text, 'Imported 2, updated 0.');
  });
});
