import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

const manifest = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../../package.json'), 'utf8')) as {
  categories: string[];
  keywords: string[];
  engines: { vscode: string };
  activationEvents: string[];
  capabilities?: { untrustedWorkspaces?: { supported: boolean | 'limited'; description?: string; restrictedConfigurations?: string[] } };
  contributes: {
    commands: { command: string; title: string; category: string }[];
    menus: { commandPalette: { command: string }[]; 'view/title'?: { command: string; when: string }[] };
    viewsContainers?: { panel?: { id: string; title: string; icon: string }[] };
    views?: Record<string, { type?: string; id: string; name: string }[]>;
    configuration: { properties: Record<string, { type?: string; enum?: string[]; default?: unknown; description?: string; markdownDescription?: string }> };
  };
};
const source = fs.readFileSync(path.resolve(__dirname, '../../../src/ui/worksheet-commands.ts'), 'utf8');
/** Policy checks register their one command themselves (it is only reached from the Testing view's messages). */
const checkSource = fs.readFileSync(path.resolve(__dirname, '../../../src/ui/check-result-command.ts'), 'utf8');
/** The walkthrough registers its palette command itself. */
const walkthroughSource = fs.readFileSync(path.resolve(__dirname, '../../../src/ui/walkthrough.ts'), 'utf8');

describe('extension manifest', () => {
  it('contributes exactly the commands the extension registers, all in the Immuta category', () => {
    const registered = [
      ...[...source.matchAll(/^ {2}'(immutaWorksheets\.[A-Za-z]+)',$/gm)].map((match) => match[1]),
      ...[...checkSource.matchAll(/_COMMAND = '(immutaWorksheets\.[A-Za-z]+)';$/gm)].map((match) => match[1]),
      ...[...walkthroughSource.matchAll(/_COMMAND = '(immutaWorksheets\.[A-Za-z]+)';$/gm)].map((match) => match[1]),
    ].sort();
    const contributed = manifest.contributes.commands.map((command) => command.command).sort();
    assert.ok(registered.length >= 5, 'found the COMMAND_IDS list');
    assert.deepEqual(contributed, registered);
    for (const command of manifest.contributes.commands) {
      assert.equal(command.category, 'Immuta', command.command);
    }
  });

  it('only refers to contributed commands in menus', () => {
    const contributed = new Set(manifest.contributes.commands.map((command) => command.command));
    for (const entry of manifest.contributes.menus.commandPalette) {
      assert.ok(contributed.has(entry.command), entry.command);
    }
  });

  it('puts the Results view in the bottom panel, with Open in Editor Tab in its title bar, and results.location defaulting to the panel', () => {
    const viewSource = fs.readFileSync(path.resolve(__dirname, '../../../src/ui/results-view-provider.ts'), 'utf8');
    const viewId = /RESULTS_PANEL_VIEW_ID = '([^']+)'/.exec(viewSource)?.[1];
    assert.equal(viewId, 'immutaWorksheets.resultsView', 'the provider registers the contributed view');
    const container = manifest.contributes.viewsContainers?.panel?.find((candidate) => candidate.title === 'Results');
    assert.ok(container, 'a Results container in the bottom panel');
    assert.ok(fs.existsSync(path.resolve(__dirname, '../../..', container.icon)), 'its icon exists');
    assert.deepEqual(manifest.contributes.views?.[container.id], [{ type: 'webview', id: viewId, name: 'Results' }]);
    const button = manifest.contributes.menus['view/title']?.find((entry) => entry.command === 'immutaWorksheets.openResultsInEditor');
    assert.equal(button?.when, `view == ${viewId}`);
    const location = manifest.contributes.configuration.properties['immutaWorksheets.results.location'];
    assert.deepEqual(location?.enum, ['panel', 'editor']);
    assert.equal(location?.default, 'panel');
  });

  it('claims VS Code 1.100 as its floor and activates on SQL only: a SQL editor, or a workspace holding .sql files (policy checks in the Testing view)', () => {
    assert.equal(manifest.engines.vscode, '^1.100.0');
    assert.deepEqual(manifest.activationEvents, ['onLanguage:sql', 'workspaceContains:**/*.sql']);
  });

  it('offers Open Actual Result on a policy check\u2019s messages only, never in the palette', () => {
    const menus = manifest.contributes.menus as unknown as Record<string, { command: string; when?: string }[]>;
    for (const menu of ['testing/message/context', 'testing/message/content']) {
      assert.deepEqual(menus[menu], [{ command: 'immutaWorksheets.openCheckResult', when: 'testMessage == immutaWorksheets.checkResult' }], menu);
    }
    assert.ok(manifest.contributes.menus.commandPalette.some((entry) => entry.command === 'immutaWorksheets.openCheckResult' && (entry as { when?: string }).when === 'false'));
    const minimum = manifest.contributes.configuration.properties['immutaWorksheets.checks.minimumAssurance'];
    assert.deepEqual(minimum?.enum, ['applied', 'read-back', 'confirmed']);
    assert.equal(minimum?.default, 'read-back');
  });

  it('supports untrusted workspaces only in part: settings that point at servers or files are withheld there', () => {
    const trust = manifest.capabilities?.untrustedWorkspaces;
    assert.ok(trust, 'capabilities.untrustedWorkspaces is declared');
    assert.equal(trust.supported, 'limited');
    assert.ok((trust.description ?? '').length > 40, 'says what Restricted Mode changes');
    const restricted = [...(trust.restrictedConfigurations ?? [])].sort();
    assert.deepEqual(restricted, ['immutaWorksheets.connections', 'immutaWorksheets.immuta.caFile', 'immutaWorksheets.immuta.url']);
    for (const key of restricted) {
      assert.ok(manifest.contributes.configuration.properties[key], `${key} is a contributed setting`);
    }
    // Any setting naming a URL, server, host or file must be on the list (connections hold their own).
    const pointing = Object.keys(manifest.contributes.configuration.properties).filter((key) => /url|server|host|file|connections/i.test(key));
    assert.deepEqual(pointing.sort(), restricted);
  });

  it('describes effectProbe in the connection schema: a statement, and an answer that must contain {user}', () => {
    const connections = manifest.contributes.configuration.properties['immutaWorksheets.connections'] as unknown as {
      items: { properties: Record<string, { markdownDescription?: string; required?: string[]; examples?: unknown[]; properties?: Record<string, { pattern?: string; default?: unknown }> }> };
    };
    const probe = connections.items.properties.effectProbe;
    assert.ok(probe, 'effectProbe is in the schema of every connection');
    assert.deepEqual(probe.required, ['statement']);
    assert.match(probe.markdownDescription ?? '', /Immuta: Set Effect Probe/);
    assert.match(probe.markdownDescription ?? '', /"statement": "SELECT /, 'with an example');
    assert.ok((probe.examples ?? []).length > 0);
    const expect = probe.properties?.expect;
    assert.equal(expect?.default, '{user}');
    assert.ok(new RegExp(expect?.pattern ?? '').test('{user}@example.com') && !new RegExp(expect?.pattern ?? '').test('bob'));
  });

  it('contributes the history text setting: redacted by default, or none', () => {
    const setting = manifest.contributes.configuration.properties['immutaWorksheets.history.statementText'];
    assert.ok(setting);
    assert.deepEqual(setting.enum, ['redacted', 'none']);
    assert.equal(setting.default, 'redacted');
  });

  it('is ready for the Marketplace: categories VS Code knows, at most 30 keywords, every setting explained in Markdown with an example', () => {
    // The categories the Marketplace accepts, as VS Code lists them (`code --category`).
    const known = ['AI', 'Azure', 'Chat', 'Data Science', 'Debuggers', 'Education', 'Extension Packs', 'Formatters', 'Keymaps', 'Language Packs', 'Linters', 'Machine Learning', 'Notebooks', 'Other', 'Programming Languages', 'SCM Providers', 'Snippets', 'Testing', 'Themes', 'Visualization'];
    assert.deepEqual(manifest.categories.filter((category) => !known.includes(category)), []);
    assert.ok(manifest.keywords.length > 0 && manifest.keywords.length <= 30, `${manifest.keywords.length} keywords`);
    assert.equal(new Set(manifest.keywords.map((keyword) => keyword.toLowerCase())).size, manifest.keywords.length, 'no keyword twice');
    for (const [key, setting] of Object.entries(manifest.contributes.configuration.properties)) {
      assert.equal(setting.description, undefined, `${key}: one text (markdownDescription), not two that can drift apart`);
      const text = setting.markdownDescription ?? '';
      assert.ok(text.length > 40, `${key} has a markdownDescription`);
      assert.ok(text.includes(`"${key}"`), `${key}: its example shows the setting as written in settings.json`);
    }
  });
});
