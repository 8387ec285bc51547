import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import * as vscode from 'vscode';
import type { Logger } from '../common/logger';
import { exportSourceOf, exportText, markdownTable } from '../results/export';
import type { ExportFormat } from '../results/protocol';
import type { ResultSet } from '../results/result-set';

/** Beyond this an untitled editor gets sluggish: such results go to a file instead. */
const UNTITLED_MAX_CHARS = 20_000_000;
const MARKDOWN_MAX_ROWS = 10_000;

function rowWord(count: number): string {
  return `${count.toLocaleString('en-US')} row${count === 1 ? '' : 's'}`;
}

/** Why an export holds fewer rows than the statement returned, if it does. */
function partialNote(result: ResultSet): string {
  if (result.status === 'paused') return ' The statement is paused at the row limit: only the rows fetched so far were exported.';
  if (result.status === 'running') return ' The statement is still running: only the rows that had arrived were exported.';
  const dropped = result.view().discardedRows;
  return dropped > 0 ? ` ${rowWord(dropped)} read after "Stop reading" were not kept and are not in the export.` : '';
}

/** Exports, opens and copies results. Writing streams, so a million rows never sit in one string. */
export class ResultExporter {
  constructor(private readonly logger: Logger) {}

  async export(result: ResultSet, format: ExportFormat, withStamp: boolean, destination: 'file' | 'untitled', baseName: string): Promise<void> {
    if (result.columns.length === 0) {
      void vscode.window.showInformationMessage('This statement returned no rows to export.');
      return;
    }
    try {
      if (destination === 'untitled') {
        await this.openUntitled(result, format, withStamp);
      } else {
        await this.toFile(result, format, withStamp, baseName);
      }
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.logger.error(`export failed: ${message}`);
      void vscode.window.showErrorMessage(`Export failed: ${message}`);
    }
  }

  async copyMarkdown(result: ResultSet): Promise<void> {
    if (result.columns.length === 0) {
      void vscode.window.showInformationMessage('This statement returned no rows to copy.');
      return;
    }
    const table = await markdownTable(result.columns, result.rows(), MARKDOWN_MAX_ROWS);
    await vscode.env.clipboard.writeText(table.text);
    const note = table.truncated ? ` (the first ${rowWord(table.rows)}; export to a file for all of them)` : '';
    void vscode.window.showInformationMessage(`Copied ${rowWord(table.rows)} as a Markdown table${note}.`);
  }

  private async openUntitled(result: ResultSet, format: ExportFormat, withStamp: boolean): Promise<void> {
    const pieces: string[] = [];
    let size = 0;
    for await (const piece of exportText(exportSourceOf(result), format, withStamp)) {
      size += piece.length;
      if (size > UNTITLED_MAX_CHARS) {
        void vscode.window.showWarningMessage(
          `This result is too large to open in an editor (over ${UNTITLED_MAX_CHARS / 1_000_000} million characters). Export it to a file instead.`,
        );
        return;
      }
      pieces.push(piece);
    }
    const document = await vscode.workspace.openTextDocument({ content: pieces.join(''), language: format === 'json' ? 'json' : 'plaintext' });
    await vscode.window.showTextDocument(document, { viewColumn: vscode.ViewColumn.Active, preview: false });
    const note = partialNote(result);
    if (note) void vscode.window.showInformationMessage(note.trim());
  }

  private async toFile(result: ResultSet, format: ExportFormat, withStamp: boolean, baseName: string): Promise<void> {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const name = `${baseName}-${result.index + 1}.${format}`;
    const target = await vscode.window.showSaveDialog({
      title: `Export ${rowWord(result.rowCount)} as ${format.toUpperCase()}${withStamp ? ' with the provenance stamp' : ''}`,
      defaultUri: folder ? vscode.Uri.joinPath(folder, name) : undefined,
      filters: format === 'csv' ? { CSV: ['csv'] } : { JSON: ['json'] },
      saveLabel: 'Export',
    });
    if (!target) return;
    const total = result.rowCount;
    const finished = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Exporting ${rowWord(total)}`, cancellable: true },
      async (progress, token) => write(target, exportText(exportSourceOf(result), format, withStamp), total, progress, token),
    );
    if (!finished) {
      void vscode.window.showWarningMessage(`Export to ${target.fsPath} was cancelled; the file is incomplete.`);
      return;
    }
    this.logger.info(`exported ${total} rows as ${format} to ${target.fsPath}`);
    const open = 'Open';
    const choice = await vscode.window.showInformationMessage(`Exported ${rowWord(total)} to ${vscode.workspace.asRelativePath(target)}.${partialNote(result)}`, open);
    if (choice === open) await vscode.window.showTextDocument(target);
  }
}

/** Streams pieces to a local file (or buffers them for other file systems). False if cancelled. */
async function write(
  target: vscode.Uri,
  pieces: AsyncIterable<string>,
  total: number,
  progress: vscode.Progress<{ message?: string; increment?: number }>,
  token: vscode.CancellationToken,
): Promise<boolean> {
  const approxPieces = Math.max(1, Math.ceil(total / 2000));
  let written = 0;
  const step = () => {
    written++;
    if (written % 10 === 0) progress.report({ increment: (1000 / approxPieces), message: `${Math.min(100, Math.round((written / approxPieces) * 100))}%` });
  };
  if (target.scheme !== 'file') {
    const buffers: Buffer[] = [];
    for await (const piece of pieces) {
      if (token.isCancellationRequested) return false;
      buffers.push(Buffer.from(piece, 'utf8'));
      step();
    }
    await vscode.workspace.fs.writeFile(target, Buffer.concat(buffers));
    return true;
  }
  const stream = createWriteStream(target.fsPath, { encoding: 'utf8' });
  const failed = once(stream, 'error').then(([error]) => Promise.reject(error as Error));
  failed.catch(() => undefined);
  try {
    for await (const piece of pieces) {
      if (token.isCancellationRequested) return false;
      if (!stream.write(piece)) await Promise.race([once(stream, 'drain'), failed]);
      step();
    }
    stream.end();
    await Promise.race([once(stream, 'finish'), failed]);
    return true;
  } finally {
    if (!stream.writableFinished) stream.destroy();
  }
}
