/** What the restricted workbench is opened with: shared by the tier (which writes it) and the suite (which checks it). */
export const USER_CONNECTION = { name: 'Mine (user settings)', platform: 'redshift', host: '127.0.0.1', port: 1, user: 'me', tls: { mode: 'disable' } };
export const WORKSPACE_CONNECTION = { name: 'Theirs (workspace settings)', platform: 'redshift', host: 'db.theirs.example', port: 5439, user: 'victim' };

/** `.vscode/settings.json` of the untrusted folder. */
export const RESTRICTED_WORKSPACE_SETTINGS = {
  'immutaWorksheets.connections': [WORKSPACE_CONNECTION],
  'immutaWorksheets.immuta.url': 'https://immuta.theirs.example',
  // Not restricted: proves that VS Code withholds only the declared settings.
  'immutaWorksheets.codeLens.enabled': false,
};

/** User settings of that workbench: Workspace Trust on, never asked, so the folder stays untrusted. */
export const RESTRICTED_USER_SETTINGS = {
  'security.workspace.trust.enabled': true,
  'security.workspace.trust.startupPrompt': 'never',
  'security.workspace.trust.banner': 'never',
  'immutaWorksheets.connections': [USER_CONNECTION],
};
