import * as path from 'node:path';
import * as vscode from 'vscode';
import { PlatformLoader } from './platforms/loader';
import { PlatformError } from './platforms/errors';
import { createOutputLogger } from './ui/output-logger';
import { WorksheetRegistry } from './worksheets/registry';

/**
 * The composition root: builds the long-lived parts and hands them their dependencies. No
 * database driver is loaded here; each platform's bundle is required on first use.
 */
export function activate(context: vscode.ExtensionContext): void {
  const channel = vscode.window.createOutputChannel('Immuta Worksheets', { log: true });
  context.subscriptions.push(channel);
  const logger = createOutputLogger(channel);

  const loader = new PlatformLoader((platform) => path.join(__dirname, 'platforms', `${platform}.js`));
  const registry = new WorksheetRegistry({
    loadDriver: (platform) => loader.load(platform),
    getSecret: () => Promise.reject(new PlatformError('configuration', 'Connections arrive with the next release.')),
    logger,
  });
  context.subscriptions.push({ dispose: () => void registry.dispose() });

  context.subscriptions.push(vscode.commands.registerCommand('immutaWorksheets.showLog', () => channel.show()));
  logger.info('Immuta Worksheets activated');
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
