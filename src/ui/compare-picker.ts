import * as vscode from 'vscode';
import { YOURSELF } from '../compare/comparison-runner';
import type { FoundUser } from '../immuta/awareness';
import { LIST_SETTLE_MS, SEARCH_DEBOUNCE_MS, type PickerImmuta } from './identity-picker';
import { ListVersions, type ListRow } from './list-versions';

export const MIN_IDENTITIES = 2;
export const MAX_IDENTITIES = 6;

interface IdentityItem extends vscode.QuickPickItem {
  readonly user?: string;
}

/** The identities a worksheet last compared as, offered first next time (workspace state). */
export class ComparisonSets {
  constructor(private readonly memento: vscode.Memento) {}

  last(worksheetKey: string): string[] | undefined {
    const stored = this.memento.get<unknown>(this.key(worksheetKey));
    return Array.isArray(stored) && stored.every((user) => typeof user === 'string') ? (stored as string[]) : undefined;
  }

  async remember(worksheetKey: string, identities: readonly string[]): Promise<void> {
    await this.memento.update(this.key(worksheetKey), [...identities]);
  }

  private key(worksheetKey: string): string {
    return `immutaWorksheets.compareSet/${worksheetKey}`;
  }
}

function rowOf(item: IdentityItem): ListRow {
  const separator = item.kind === vscode.QuickPickItemKind.Separator;
  return {
    key: item.user !== undefined ? `user:${item.user}` : `${separator ? 'separator' : 'note'}:${item.label}`,
    separator,
    alwaysShow: item.alwaysShow === true,
    text: [item.label, item.description, item.detail].join(' '),
  };
}

function foundDetail(user: FoundUser): string {
  if (user.project === undefined) return '';
  return user.project === null ? 'no current project' : `$(warning) in project ${user.project}: only its data sources are visible`;
}

/**
 * Chooses 2 to 6 identities to compare as: yourself, the worksheet's last set (checked), recent
 * users of the connection, Immuta users matching what is typed, or a name as typed. Typing a name
 * and pressing Enter adds it; Enter with nothing typed compares. Resolves undefined when dismissed.
 */
export function pickComparisonIdentities(options: {
  readonly profileName: string;
  readonly recent: readonly string[];
  readonly last: readonly string[] | undefined;
  readonly immuta?: PickerImmuta;
  readonly debounceMs?: number;
}): Promise<string[] | undefined> {
  const { immuta } = options;
  const picker = vscode.window.createQuickPick<IdentityItem>();
  picker.canSelectMany = true;
  picker.matchOnDescription = true;
  picker.matchOnDetail = true;
  picker.ignoreFocusOut = false;
  const title = `Compare as… (${options.profileName}): check ${MIN_IDENTITIES} to ${MAX_IDENTITIES} identities, then press Enter`;
  picker.title = title;
  picker.placeholder = immuta ? 'Search Immuta users, or type a user name and press Enter to add it' : 'Type a user name and press Enter to add it';

  let chosen: string[] = options.last && options.last.length > 0 ? [...options.last] : [YOURSELF];
  // The window reports checked rows by their positions, possibly in a list replaced meanwhile.
  const versions = new ListVersions(LIST_SETTLE_MS);
  let found: readonly FoundUser[] = [];
  let note: IdentityItem | undefined;

  const itemFor = (user: string, description?: string, detail?: string): IdentityItem =>
    user === YOURSELF
      ? { label: '$(account) yourself', description: 'your own login, no impersonation', user, alwaysShow: true }
      : { label: `$(person) ${user}`, description, detail, user };
  const build = () => {
    const listed = new Set<string>();
    const items: IdentityItem[] = [];
    const add = (item: IdentityItem) => {
      if (item.user === undefined || listed.has(item.user)) return;
      listed.add(item.user);
      items.push(item);
    };
    add(itemFor(YOURSELF));
    for (const user of chosen) add(itemFor(user, options.last?.includes(user) ? 'last compared' : 'added'));
    const foundByName = new Map(found.map((user) => [user.userid, user]));
    const recent = options.recent.filter((user) => !listed.has(user));
    if (recent.length > 0) items.push({ label: 'recent', kind: vscode.QuickPickItemKind.Separator });
    for (const user of recent) {
      const known = foundByName.get(user);
      add(itemFor(user, undefined, known ? foundDetail(known) : undefined));
    }
    const others = found.filter((user) => !listed.has(user.userid));
    if (others.length > 0 || note) items.push({ label: 'Immuta users', kind: vscode.QuickPickItemKind.Separator });
    for (const user of others) add(itemFor(user.userid, [user.name, user.email !== user.userid ? user.email : undefined].filter(Boolean).join(' · '), foundDetail(user)));
    if (note) items.push(note);
    const typed = picker.value.trim();
    if (typed !== '' && !listed.has(typed)) items.push({ label: `$(person-add) Add "${typed}"`, description: 'as typed · press Enter', alwaysShow: true });
    // `picked` as well as selectedItems: new items replace the list's check marks in the window, and
    // the selection it then reports back must be the chosen set, not none (seen on VS Code 1.100).
    const marked = items.map((item) => (item.user !== undefined && chosen.includes(item.user) ? { ...item, picked: true } : item));
    versions.replace(marked.map(rowOf));
    picker.items = marked;
    picker.selectedItems = marked.filter((item) => item.picked === true);
    retitle();
  };
  const retitle = (problem?: string) => {
    const count = `${chosen.length} chosen: ${chosen.join(', ')}`;
    picker.title = `${problem ?? title} · ${count}`;
  };

  return new Promise((resolve) => {
    let settled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let searching: AbortController | undefined;
    let rebuilding = false;
    const finish = (value: string[] | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      searching?.abort();
      resolve(value);
      picker.dispose();
    };
    const rebuild = () => {
      rebuilding = true;
      try {
        build();
      } finally {
        rebuilding = false;
      }
    };
    const search = (text: string) => {
      if (!immuta) return;
      searching?.abort();
      const controller = new AbortController();
      searching = controller;
      picker.busy = true;
      void immuta.search(text.trim(), controller.signal).then((outcome) => {
        if (settled || searching !== controller) return;
        picker.busy = false;
        if (outcome.kind === 'found') {
          found = outcome.users;
          note = outcome.users.length === 0 && text.trim() !== '' ? { label: `$(info) No Immuta user matches "${text.trim()}"; Enter adds it as typed`, alwaysShow: true } : undefined;
        } else if (outcome.kind === 'error') {
          found = [];
          note = { label: '$(error) Immuta search failed; you can still type a name', detail: outcome.message, alwaysShow: true };
        }
        rebuild();
      });
    };
    picker.onDidChangeSelection((items) => {
      if (rebuilding) return;
      const selected = items.map((item) => item.user).filter((user): user is string => user !== undefined);
      const toggled = [...selected.filter((user) => !chosen.includes(user)), ...chosen.filter((user) => !selected.includes(user))];
      if (toggled.length === 0) return;
      // A person's click checks or unchecks one row. A report that moves more than one is not a
      // click: the window telling of a list this picker has since replaced (its positions name
      // other rows now), or clearing its checks while it takes new items. The chosen set stands;
      // the list the window shows next is drawn from it.
      if (toggled.length > 1) return;
      const row = picker.items.find((item) => item.user === toggled[0]);
      if (row && versions.uncertainSelection([picker.items.indexOf(row)], [rowOf(row).key])) return;
      // Keep the order identities were chosen in: it is the order of the comparison's columns.
      chosen = [...chosen.filter((user) => selected.includes(user)), ...selected.filter((user) => !chosen.includes(user))];
      retitle();
    });
    picker.onDidChangeValue((value) => {
      rebuild();
      clearTimeout(timer);
      timer = setTimeout(() => search(value), options.debounceMs ?? SEARCH_DEBOUNCE_MS);
    });
    picker.onDidAccept(() => {
      const typed = picker.value.trim();
      if (typed !== '') {
        // Enter on a typed name adds it (the one Immuta user it names exactly, else the text as typed).
        const exact = found.find((user) => user.userid.toLowerCase() === typed.toLowerCase() || user.email?.toLowerCase() === typed.toLowerCase());
        const user = exact?.userid ?? (typed.toLowerCase() === YOURSELF ? YOURSELF : typed);
        if (!chosen.includes(user)) chosen = [...chosen, user];
        picker.value = '';
        rebuild();
        return;
      }
      if (chosen.length < MIN_IDENTITIES || chosen.length > MAX_IDENTITIES) {
        retitle(`Choose ${MIN_IDENTITIES} to ${MAX_IDENTITIES} identities to compare`);
        return;
      }
      // Yourself first: the baseline the summary counts the others against.
      finish(chosen.includes(YOURSELF) ? [YOURSELF, ...chosen.filter((user) => user !== YOURSELF)] : chosen);
    });
    picker.onDidHide(() => finish(undefined));
    rebuild();
    picker.show();
    search('');
  });
}
