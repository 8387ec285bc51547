import * as vscode from 'vscode';
import type { Logger } from '../common/logger';
import { complete, scopeCache, type CompletionKind } from '../metadata/completion';
import type { MetadataSource } from '../metadata/types';
import { platformInfo } from '../platforms/catalog';
import { metadataQueries } from '../platforms/metadata-queries';
import { isSqlDocument, type DocumentWorksheets } from './document-worksheets';
import { scopeOf } from './object-explorer';

const KINDS: Readonly<Record<CompletionKind, vscode.CompletionItemKind>> = {
  catalog: vscode.CompletionItemKind.Module,
  schema: vscode.CompletionItemKind.Module,
  table: vscode.CompletionItemKind.Class,
  view: vscode.CompletionItemKind.Interface,
  column: vscode.CompletionItemKind.Field,
  alias: vscode.CompletionItemKind.Variable,
  keyword: vscode.CompletionItemKind.Keyword,
  function: vscode.CompletionItemKind.Function,
};

/**
 * Completion in worksheets (issue 19) from the explorer's cache for the worksheet's connection and
 * effective identity: what that identity can see. It answers at once from the cache; what it
 * lacks is loaded in the background, and the list says it is incomplete so the editor asks again.
 */
export class SqlCompletion implements vscode.CompletionItemProvider {
  constructor(
    private readonly documents: DocumentWorksheets,
    private readonly source: MetadataSource,
    private readonly logger: Logger,
  ) {}

  provideCompletionItems(document: vscode.TextDocument, position: vscode.Position): vscode.CompletionList | undefined {
    if (!isSqlDocument(document)) return undefined;
    const found = scopeOf(this.documents.get(document));
    if (!('scope' in found)) return undefined;
    const { scope } = found;
    const queries = metadataQueries(scope.profile.platform);
    if (!queries) return undefined;
    try {
      const answer = complete({
        text: document.getText(),
        offset: document.offsetAt(position),
        dialect: platformInfo(scope.profile.platform).sqlDialect,
        queries,
        cache: scopeCache(this.source, scope),
      });
      const range = new vscode.Range(document.positionAt(answer.replaceStart), document.positionAt(answer.replaceEnd));
      const items = answer.items.map((item) => {
        const completion = new vscode.CompletionItem({ label: item.label, description: item.detail }, KINDS[item.kind]);
        completion.insertText = item.insertText;
        completion.range = range;
        completion.sortText = item.sortText;
        // Typed text matches the name as well as its quoted form.
        completion.filterText = item.label;
        return completion;
      });
      return new vscode.CompletionList(items, answer.incomplete);
    } catch (error) {
      // Completion is a help: a fault here is logged, never shown as a failure of typing.
      this.logger.error(`completion: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      return undefined;
    }
  }
}
