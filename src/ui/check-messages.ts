import * as vscode from 'vscode';
import type { CaseResult, CheckStamp } from '../checks/types';
import { YOURSELF_IDENTITY } from '../checks/types';
import { ASSURANCE_LABEL } from '../platforms/assurance';

/** The contextValue of a message whose case captured a result: "Open actual result" shows on it. */
export const CAPTURED_RESULT_CONTEXT = 'immutaWorksheets.checkResult';

/** One line of provenance: who ran the case, where, how sure, which session and query. */
export function stampLine(stamp: CheckStamp): string {
  const who = stamp.identity === YOURSELF_IDENTITY ? `as yourself (${stamp.login})` : `as ${stamp.identity}`;
  const parts = [`${who} on ${stamp.connection}`];
  if (stamp.assurance) parts.push(`impersonation ${ASSURANCE_LABEL[stamp.assurance]}`);
  if (stamp.project !== undefined) parts.push(`project: ${stamp.project ?? 'none'}`);
  parts.push(`session ${stamp.sessionId}`);
  if (stamp.queryId !== null) parts.push(`query ${stamp.queryId}`);
  return parts.join(' · ');
}

/** The stamp as the test's output shows it, one fact a line (CRLF: the output is a terminal). */
export function stampOutput(result: CaseResult): string {
  const stamp = result.stamp;
  const lines = [`${result.check.name} [${result.identity}]: ${result.verdict}`];
  if (stamp) {
    lines.push(
      `  connection: ${stamp.connection} (${stamp.platform}, login ${stamp.login})`,
      `  identity:   ${stamp.identity}`,
      `  assurance:  ${stamp.assurance ? ASSURANCE_LABEL[stamp.assurance] : 'not impersonating'}`,
      `  project:    ${stamp.project === undefined ? 'not known' : (stamp.project ?? 'none')}`,
      `  session:    ${stamp.sessionId}`,
      `  query:      ${stamp.queryId ?? 'not known'}`,
      `  started:    ${new Date(stamp.startedAt).toISOString()}`,
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}

/** One message per failed expectation, a diff where the outcome has expected and actual text. */
export function failureMessages(result: CaseResult, uri: vscode.Uri): vscode.TestMessage[] {
  const stamp = result.stamp ? `\n(${stampLine(result.stamp)})` : '';
  const captured = result.result !== undefined;
  return result.outcomes
    .filter((outcome) => !outcome.passed)
    .map((outcome) => {
      const text = `@expect ${outcome.expectation.source}: ${outcome.message}${stamp}`;
      const message =
        outcome.expected !== undefined && outcome.actual !== undefined
          ? vscode.TestMessage.diff(text, outcome.expected, outcome.actual)
          : new vscode.TestMessage(text);
      message.location = new vscode.Location(uri, new vscode.Position(outcome.expectation.line, 0));
      if (captured) message.contextValue = CAPTURED_RESULT_CONTEXT;
      return message;
    });
}

/** The message of a case that could not be judged. */
export function errorMessage(result: CaseResult, uri: vscode.Uri): vscode.TestMessage {
  const stamp = result.stamp ? `\n(${stampLine(result.stamp)})` : '';
  const message = new vscode.TestMessage(`${result.error ?? 'The case could not be judged.'}${stamp}`);
  message.location = new vscode.Location(uri, new vscode.Position(result.check.line, 0));
  if (result.result !== undefined) message.contextValue = CAPTURED_RESULT_CONTEXT;
  return message;
}
