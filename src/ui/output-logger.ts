import * as vscode from 'vscode';
import type { Logger } from '../common/logger';

/** The extension's log: a VS Code log output channel. Callers never pass secrets. */
export function createOutputLogger(channel: vscode.LogOutputChannel): Logger {
  return {
    debug: (message) => channel.debug(message),
    info: (message) => channel.info(message),
    warn: (message) => channel.warn(message),
    error: (message) => channel.error(message),
  };
}
