/** Shared by the editor suites. */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { ImmutaWorksheetsApi } from '../../../src/extension';
export const EXTENSION_ID = 'immuta-worksheets.immuta-worksheets';

/** Database drivers (and our per-platform bundles that inline them) that activation must not load. */
const DRIVER_MODULES = /[\\/](node_modules[\\/](pg|pg-protocol|pg-pool|snowflake-sdk|trino-client|mssql|tedious|@databricks[\\/]sql)[\\/]|dist[\\/]platforms[\\/][a-z]+\.js$)/;

export function loadedDriverModules(): string[] {
  return Object.keys(require.cache).filter((file) => DRIVER_MODULES.test(file));
}

export async function api(): Promise<ImmutaWorksheetsApi> {
  const extension = vscode.extensions.getExtension<ImmutaWorksheetsApi>(EXTENSION_ID);
  assert.ok(extension, `${EXTENSION_ID} is installed in this extension host`);
  return extension.activate();
}

export async function waitFor<T>(read: () => T, accept: (value: T) => boolean, what: string, timeoutMs = 5000, pollMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = read();
  while (!accept(value)) {
    if (Date.now() > deadline) {
      assert.fail(`timed out waiting for ${what}; last value: ${JSON.stringify(value)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
    value = read();
  }
  return value;
}

