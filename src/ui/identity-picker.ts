import * as vscode from 'vscode';
import { ASSURANCE_LABEL } from '../platforms/assurance';
import type { FoundUser, PermissionFact, SearchOutcome } from '../immuta/awareness';
import type { IdentityState } from '../worksheets/identity';
import { ListVersions, matchesTyped, type ListRow } from './list-versions';

export type IdentityChoice =
  | { readonly action: 'impersonate'; readonly user: string }
  | { readonly action: 'stop' }
  | { readonly action: 'verify' }
  /** Run the statement at the cursor as several identities side by side (Compare as…). */
  | { readonly action: 'compare' }
  /** Store the Immuta API key (offered when Immuta is configured without one). */
  | { readonly action: 'set-key' };

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

/** What the picker asks of Immuta; absent when the extension has no Immuta URL. */
export interface PickerImmuta {
  /** Whether you hold IMPERSONATE_USER, as last learnt (starts a check when stale). */
  permission(): PermissionFact;
  /** Resolves when the permission has been checked. */
  checkPermission(): Promise<PermissionFact>;
  search(text: string, signal: AbortSignal): Promise<SearchOutcome>;
}

/** How long typing must pause before the picker asks Immuta. */
export const SEARCH_DEBOUNCE_MS = 250;

/**
 * How long after the list changes an Enter may still have been taken on the list before it (the
 * round trip between the window and the extension host, with room for a busy machine).
 */
export const LIST_SETTLE_MS = 2_000;

/** What a row stands for, the same in every version of the list. */
function keyOf(item: ChoiceItem): string {
  if (item.choice) return item.choice.action === 'impersonate' ? `impersonate:${item.choice.user}` : item.choice.action;
  return `${item.kind === vscode.QuickPickItemKind.Separator ? 'separator' : 'note'}:${item.label}`;
}

/** What the window would show of a list: a list with the same content need not be sent again. */
function contentOf(items: readonly ChoiceItem[]): string {
  return JSON.stringify(items.map((item) => [item.label, item.description, item.detail, item.alwaysShow === true]));
}

function rowOf(item: ChoiceItem): ListRow {
  return {
    key: keyOf(item),
    separator: item.kind === vscode.QuickPickItemKind.Separator,
    alwaysShow: item.alwaysShow === true,
    text: [item.label, item.description, item.detail].join(' '),
  };
}

function permissionItem(fact: PermissionFact): ChoiceItem | undefined {
  switch (fact.kind) {
    case 'missing':
      return {
        label: `$(warning) ${fact.user} does not hold IMPERSONATE_USER`,
        detail: 'Immuta will refuse every query run as someone else (it checks when a query runs). Ask an Immuta administrator for the permission.',
        alwaysShow: true,
      };
    case 'error':
      return { label: '$(warning) Could not check your IMPERSONATE_USER permission', detail: fact.message, alwaysShow: true };
    case 'no-key':
      return {
        label: '$(key) Set the Immuta API key to search users and check permissions…',
        detail: 'The key is kept in VS Code\u2019s secret storage.',
        alwaysShow: true,
        choice: { action: 'set-key' },
      };
    default:
      return undefined;
  }
}

function foundItem(user: FoundUser, currentUser: string | undefined): ChoiceItem {
  const who = [user.name, user.email !== user.userid ? user.email : undefined, user.iamid].filter((part) => part !== undefined && part !== '').join(' · ');
  const project =
    user.project === undefined
      ? 'project unknown'
      : user.project === null
        ? 'no current project'
        : `$(warning) in project ${user.project}: only its data sources are visible`;
  return {
    label: `$(person) ${user.userid}`,
    description: `${who}${user.userid === currentUser ? ' · current' : ''}`,
    detail: project,
    alwaysShow: true,
    choice: { action: 'impersonate', user: user.userid },
  };
}

/**
 * The status bar's picker: your IMPERSONATE_USER standing, recent users of this connection,
 * Immuta users matching what you type (when Immuta is configured), any typed name, stop,
 * verify. Resolves undefined when dismissed.
 */
export function pickIdentity(
  profileName: string,
  recent: readonly string[],
  current: IdentityState,
  canVerify: boolean,
  immuta?: PickerImmuta,
  debounceMs = SEARCH_DEBOUNCE_MS,
): Promise<IdentityChoice | undefined> {
  const currentUser = current.kind === 'impersonating' || current.kind === 'applying' ? current.user : undefined;
  const picker = vscode.window.createQuickPick<ChoiceItem>();
  picker.placeholder = immuta ? 'Search Immuta users by name, e-mail or IAM, or pick a recent one' : 'Type an Immuta user name, or pick a recent one';
  picker.matchOnDescription = true;
  picker.matchOnDetail = true;

  const fixed: ChoiceItem[] = [];
  if (current.kind !== 'yourself') {
    fixed.push({ label: '$(circle-slash) Stop impersonating', description: 'run as yourself again', choice: { action: 'stop' } });
  }
  fixed.push({ label: '$(diff-multiple) Compare as several users…', description: 'run the statement at the cursor as 2–6 identities, side by side', choice: { action: 'compare' } });
  if (canVerify) {
    fixed.push({ label: '$(verified) Verify', description: 'read the user back and run the effect probe, where this connection has them', choice: { action: 'verify' } });
  }
  const recentItems: ChoiceItem[] = recent.map((user) => ({
    label: `$(person) ${user}`,
    description: user === currentUser ? (current.kind === 'impersonating' ? `current · ${ASSURANCE_LABEL[current.assurance]}` : 'current') : undefined,
    choice: { action: 'impersonate', user },
  }));
  let foundUsers: ChoiceItem[] = [];
  /** The text `foundUsers` answers (Immuta's search for it). */
  let foundFor = '';
  let searchNote: ChoiceItem | undefined;
  let permission = immuta?.permission();

  const title = `Run this worksheet as… (${profileName})`;
  let notice: string | undefined;
  const retitle = () => {
    // The title, not an item: Enter must still pick the first user, never a warning.
    const standing = permission?.kind === 'missing' ? `${title} · ⚠ ${permission.user} does not hold IMPERSONATE_USER` : title;
    picker.title = notice ? `${standing} · ${notice}` : standing;
  };
  const build = (typed: string): ChoiceItem[] => {
    const trimmed = typed.trim();
    // Immuta's users are shown whatever is typed only while they answer what is typed: a list
    // found for other text is filtered like any other row, or Enter on a name typed quickly would
    // pick a user left over from the last search.
    const found = foundFor === trimmed ? foundUsers : foundUsers.map((item) => ({ ...item, alwaysShow: false }));
    const standing = permission ? permissionItem(permission) : undefined;
    const userOf = (item: ChoiceItem) => (item.choice?.action === 'impersonate' ? item.choice.user : '');
    const foundByName = new Map(found.map((item) => [userOf(item), item]));
    // A recent user that the search also found is listed once, with what Immuta said of them.
    const recentShown = recentItems.map((item) => foundByName.get(userOf(item)) ?? item);
    const foundOthers = found.filter((item) => !recent.includes(userOf(item)));
    const recentSection: ChoiceItem[] = recentShown.length > 0 ? [{ label: 'recent', kind: vscode.QuickPickItemKind.Separator }, ...recentShown] : [];
    const foundNames = new Set(foundByName.keys());
    const foundSection: ChoiceItem[] =
      foundOthers.length > 0 || searchNote ? [{ label: 'Immuta users', kind: vscode.QuickPickItemKind.Separator }, ...foundOthers, ...(searchNote ? [searchNote] : [])] : [];
    const listed: ChoiceItem[] = [...recentSection, ...foundSection, { label: '', kind: vscode.QuickPickItemKind.Separator }, ...(standing ? [standing] : []), ...fixed];
    if (trimmed === '' || recent.includes(trimmed) || foundNames.has(trimmed)) {
      return listed;
    }
    const typedItem: ChoiceItem = { label: `$(person-add) Impersonate "${trimmed}"`, description: 'as typed', alwaysShow: true, choice: { action: 'impersonate', user: trimmed } };
    // Typing "stop" or part of a listed name must not make Enter impersonate the typed text:
    // when something listed matches, the typed name goes last.
    const needle = trimmed.toLowerCase();
    const matches = [...recentItems, ...found, ...fixed].some((item) => `${item.label} ${item.description ?? ''}`.toLowerCase().includes(needle));
    return matches ? [...listed, typedItem] : [typedItem, ...listed];
  };
  const versions = new ListVersions(LIST_SETTLE_MS);
  const initial = build('');
  versions.replace(initial.map(rowOf));
  let shown = contentOf(initial);
  picker.items = initial;
  retitle();

  return new Promise((resolve) => {
    let settled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let searching: AbortController | undefined;
    let searchCount = 0;
    /**
     * Sets the list for what is typed, unless it is the list already shown. After typing, VS Code
     * highlights the first match itself; an answer that arrives by itself (search, permission)
     * keeps the row the person had highlighted, wherever it moved.
     */
    const refresh = (typing = false) => {
      if (settled) return;
      const items = build(picker.value);
      const content = contentOf(items);
      if (content === shown) return;
      shown = content;
      versions.replace(items.map(rowOf));
      const highlighted = picker.activeItems[0];
      picker.items = items;
      if (!typing && highlighted) {
        const same = items.find((item) => keyOf(item) === keyOf(highlighted));
        if (same) picker.activeItems = [same];
      }
    };
    const search = (text: string) => {
      if (!immuta) return;
      searching?.abort();
      const controller = new AbortController();
      searching = controller;
      const mine = ++searchCount;
      picker.busy = true;
      void immuta.search(text.trim(), controller.signal).then((outcome) => {
        if (settled || mine !== searchCount) return;
        picker.busy = false;
        if (outcome.kind === 'found') {
          foundUsers = outcome.users.map((user) => foundItem(user, currentUser));
          foundFor = text.trim();
          searchNote =
            outcome.users.length === 0 && text.trim() !== ''
              ? { label: `$(info) No Immuta user matches "${text.trim()}"`, alwaysShow: true }
              : outcome.count > outcome.users.length
                ? { label: `$(info) ${outcome.count - outcome.users.length} more match: type more of the name`, alwaysShow: true }
                : undefined;
        } else if (outcome.kind === 'error') {
          foundUsers = [];
          foundFor = text.trim();
          searchNote = { label: '$(error) Immuta search failed; you can still type a name', detail: outcome.message, alwaysShow: true };
        }
        refresh();
      });
    };
    const finish = (choice: IdentityChoice | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      searching?.abort();
      resolve(choice);
      picker.dispose();
    };
    picker.onDidChangeValue((value) => {
      if (notice) {
        notice = undefined;
        retitle();
      }
      refresh(true);
      clearTimeout(timer);
      timer = setTimeout(() => search(value), debounceMs);
    });
    picker.onDidAccept(() => {
      const selected = picker.selectedItems[0];
      // VS Code names the accepted row by its position: taken on a list this picker has since
      // replaced, that position may now hold another user or a separator. Never act on a guess:
      // highlight the row the person most likely meant and ask for Enter again.
      const index = selected ? picker.items.indexOf(selected) : -1;
      const typed = picker.value.trim();
      // A user that what is typed does not match, shown only because an earlier search found them:
      // the window took Enter before the list for the typed text reached it.
      const unmatched =
        selected?.choice?.action === 'impersonate' &&
        typed !== '' &&
        selected.choice.user !== typed &&
        !matchesTyped(rowOf(selected), typed) &&
        !(foundFor === typed && foundUsers.some((item) => keyOf(item) === keyOf(selected)));
      if (selected && (selected.kind === vscode.QuickPickItemKind.Separator || unmatched || versions.uncertainAt(index, keyOf(selected), picker.value))) {
        const meant = unmatched ? `impersonate:${typed}` : versions.previousAt(index);
        const guess = picker.items.find((item) => item.kind !== vscode.QuickPickItemKind.Separator && keyOf(item) === meant);
        versions.settle();
        notice = 'The list changed as you pressed Enter: check the highlighted row and press Enter again';
        retitle();
        if (guess) picker.activeItems = [guess];
        return;
      }
      if (selected?.choice) {
        finish(selected.choice);
      } else if (selected === undefined && picker.value.trim() !== '') {
        finish({ action: 'impersonate', user: picker.value.trim() });
      }
    });
    picker.onDidHide(() => finish(undefined));
    if (immuta) {
      void immuta.checkPermission().then((fact) => {
        permission = fact;
        retitle();
        refresh();
      });
      search('');
    }
    picker.show();
  });
}
