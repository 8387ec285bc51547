import * as vscode from 'vscode';
import type { IdentityState } from '../worksheets/identity';

export type IdentityChoice =
  | { readonly action: 'impersonate'; readonly user: string }
  | { readonly action: 'stop' }
  | { readonly action: 'verify' };

interface ChoiceItem extends vscode.QuickPickItem {
  readonly choice?: IdentityChoice;
}

const RECENT_LIMIT = 20;

/** Recent impersonated users per connection profile, most recent first. */
export class RecentUsers {
  constructor(private readonly memento: vscode.Memento) {}

  list(profileName: string): string[] {
    return this.memento.get<string[]>(this.key(profileName), []);
  }

  async remember(profileName: string, user: string): Promise<void> {
    const next = [user, ...this.list(profileName).filter((existing) => existing !== user)].slice(0, RECENT_LIMIT);
    await this.memento.update(this.key(profileName), next);
  }

  private key(profileName: string): string {
    return `immutaWorksheets.recentUsers/${profileName}`;
  }
}

/**
 * The status bar's picker: recent users of this connection, any typed name, stop, verify.
 * Resolves undefined when dismissed.
 */
export function pickIdentity(profileName: string, recent: readonly string[], current: IdentityState, canVerify: boolean): Promise<IdentityChoice | undefined> {
  const currentUser = current.kind === 'impersonating' || current.kind === 'applying' ? current.user : undefined;
  const picker = vscode.window.createQuickPick<ChoiceItem>();
  picker.title = `Run this worksheet as… (${profileName})`;
  picker.placeholder = 'Type an Immuta user name, or pick a recent one';
  picker.matchOnDescription = true;

  const fixed: ChoiceItem[] = [];
  if (current.kind !== 'yourself') {
    fixed.push({ label: '$(circle-slash) Stop impersonating', description: 'run as yourself again', choice: { action: 'stop' } });
  }
  if (canVerify) {
    fixed.push({ label: '$(verified) Verify', description: 'ask the server whom this session runs as', choice: { action: 'verify' } });
  }
  const recentItems: ChoiceItem[] = recent.map((user) => ({
    label: `$(person) ${user}`,
    description: user === currentUser ? 'current' : undefined,
    choice: { action: 'impersonate', user },
  }));
  const build = (typed: string): ChoiceItem[] => {
    const trimmed = typed.trim();
    const separator: ChoiceItem[] = recentItems.length > 0 ? [{ label: 'recent', kind: vscode.QuickPickItemKind.Separator }] : [];
    const listed: ChoiceItem[] = [...separator, ...recentItems, { label: '', kind: vscode.QuickPickItemKind.Separator }, ...fixed];
    if (trimmed === '' || recent.includes(trimmed)) {
      return listed;
    }
    const typedItem: ChoiceItem = { label: `$(person-add) Impersonate "${trimmed}"`, description: 'as typed', alwaysShow: true, choice: { action: 'impersonate', user: trimmed } };
    // Typing "stop" or part of a recent name must not make Enter impersonate the typed text:
    // when something listed matches, the typed name goes last.
    const needle = trimmed.toLowerCase();
    const matches = [...recentItems, ...fixed].some((item) => `${item.label} ${item.description ?? ''}`.toLowerCase().includes(needle));
    return matches ? [...listed, typedItem] : [typedItem, ...listed];
  };
  picker.items = build('');

  return new Promise((resolve) => {
    let settled = false;
    const finish = (choice: IdentityChoice | undefined) => {
      if (settled) return;
      settled = true;
      resolve(choice);
      picker.dispose();
    };
    picker.onDidChangeValue((value) => {
      picker.items = build(value);
    });
    picker.onDidAccept(() => {
      const selected = picker.selectedItems[0];
      if (selected?.choice) {
        finish(selected.choice);
      } else if (picker.value.trim() !== '') {
        finish({ action: 'impersonate', user: picker.value.trim() });
      }
    });
    picker.onDidHide(() => finish(undefined));
    picker.show();
  });
}
