import * as vscode from 'vscode';
import type { ConnectionProfile, StatementParameters } from '../platforms/types';
import type { SqlDialectId } from '../sql/dialects';
import { isSecretParameterName } from '../sql/parameter-secrets';
import { entryOfValue, gatherParameters, NULL_ENTRY, valueOfEntry } from '../worksheets/run-parameters';

const MEMORY_KEY = 'immutaWorksheets.parameterValues';
/** Documents whose last values are remembered; the oldest is forgotten first. */
const MAX_DOCUMENTS = 200;

type Remembered = Record<string, Record<string, string | null>>;

/**
 * Asks for the values of a run's named parameters (`:region`, `${start}`) before it is sent: one
 * input box per name, offering the value last given for that name in the same document. Secret
 * names (`:password`, `:api_key`) are typed hidden and never remembered. Escape on any box
 * cancels the whole run before anything is sent.
 */
export class ParameterPrompt {
  constructor(private readonly memory: vscode.Memento) {}

  /**
   * Whether the run looks for parameters at all: `immutaWorksheets.parameters.enabled` for the
   * document (language, folder or workspace) and the connection's own `parameters` field.
   */
  enabled(document: vscode.TextDocument, profile: ConnectionProfile | undefined): boolean {
    if (profile?.parameters === false) return false;
    return vscode.workspace.getConfiguration('immutaWorksheets', document).get<boolean>('parameters.enabled', true);
  }

  /** Each statement's parameters (undefined: none, or parameters are off), or undefined when the user cancelled. */
  async forRun(
    document: vscode.TextDocument,
    profile: ConnectionProfile | undefined,
    dialect: SqlDialectId,
    texts: readonly string[],
  ): Promise<(StatementParameters | undefined)[] | undefined> {
    if (!this.enabled(document, profile)) return texts.map(() => undefined);
    const key = document.uri.toString();
    const remembered = this.memory.get<Remembered>(MEMORY_KEY, {});
    const last = remembered[key] ?? {};
    const given: Record<string, string | null> = {};
    const result = await gatherParameters(texts, dialect, async (name) => {
      const value = await askValue(name, Object.prototype.hasOwnProperty.call(last, name) ? last[name] : undefined);
      if (value !== undefined && !isSecretParameterName(name)) given[name] = value;
      return value;
    });
    if (result !== undefined && Object.keys(given).length > 0) await this.remember(key, { ...last, ...given });
    return result;
  }

  private async remember(key: string, values: Record<string, string | null>): Promise<void> {
    const remembered = { ...this.memory.get<Remembered>(MEMORY_KEY, {}) };
    delete remembered[key];
    remembered[key] = values;
    const keys = Object.keys(remembered);
    for (const old of keys.slice(0, Math.max(0, keys.length - MAX_DOCUMENTS))) delete remembered[old];
    await this.memory.update(MEMORY_KEY, remembered);
  }
}

/** One input box: Enter sends what is typed (`\N` = NULL), the ⊘ button sends NULL, Escape cancels the run. */
function askValue(name: string, last: string | null | undefined): Promise<string | null | undefined> {
  const secret = isSecretParameterName(name);
  const box = vscode.window.createInputBox();
  const nullButton: vscode.QuickInputButton = { iconPath: new vscode.ThemeIcon('circle-slash'), tooltip: 'Send SQL NULL' };
  box.title = `Query parameter :${name}`;
  box.prompt = `Value of :${name}, sent bound (never spliced into the SQL). Empty sends an empty string; ${NULL_ENTRY} or the ⊘ button sends SQL NULL. Escape cancels the run.`;
  box.placeholder = secret ? 'hidden; not remembered' : 'text; the server converts it where the statement compares it';
  box.password = secret;
  box.ignoreFocusOut = true;
  box.buttons = [nullButton];
  if (!secret && last !== undefined) {
    box.value = entryOfValue(last);
    box.valueSelection = [0, box.value.length];
  }
  return new Promise((resolve) => {
    let settled = false;
    const settle = (value: string | null | undefined) => {
      if (settled) return;
      settled = true;
      resolve(value);
      box.hide();
    };
    const subscriptions = [
      box.onDidAccept(() => settle(valueOfEntry(box.value))),
      box.onDidTriggerButton((button) => {
        if (button === nullButton) settle(null);
      }),
      box.onDidHide(() => {
        settle(undefined);
        for (const subscription of subscriptions) subscription.dispose();
        box.dispose();
      }),
    ];
    box.show();
  });
}
