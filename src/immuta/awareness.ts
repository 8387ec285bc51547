import { Emitter, type Event } from '../common/events';
import { DataSourceAwareness, type DataSourceLookups, hasDataSourceLookups } from './data-source-awareness';
import { isImmutaApiError } from './errors';
import { IMPERSONATE_USER, type ImmutaProject, type ImmutaUser, type UserSearchResult } from './types';

/**
 * What the extension knows about Immuta for the status bar, the picker and the results stamp,
 * answered synchronously from what was last learnt: nothing in the editor ever waits on the
 * Immuta API. Asking for a fact that is missing or stale starts a background check and fires
 * `onDidChange` when it lands, so the status bar fills in on its own.
 */

/** Why nothing can be asked: no URL configured, or no API key stored for it. */
export type ImmutaOff = { readonly kind: 'off' } | { readonly kind: 'no-key' };

export type PermissionFact =
  | ImmutaOff
  | { readonly kind: 'checking' }
  /** `user`: the Immuta user checked (the profile's immutaUser, or the API key's owner). */
  | { readonly kind: 'held'; readonly user: string }
  | { readonly kind: 'missing'; readonly user: string }
  | { readonly kind: 'error'; readonly message: string };

export type ProjectFact =
  | ImmutaOff
  | { readonly kind: 'checking' }
  | { readonly kind: 'none'; readonly checkedAt: number }
  | { readonly kind: 'project'; readonly id: number; readonly name: string; readonly checkedAt: number }
  | { readonly kind: 'error'; readonly message: string };

/** A user found by the picker's search, with the name of their current project. */
export interface FoundUser {
  readonly userid: string;
  readonly name?: string;
  readonly email?: string;
  readonly iamid: string;
  /** Current project name; null: none; undefined: not known. */
  readonly project: string | null | undefined;
}

export type SearchOutcome =
  | ImmutaOff
  | { readonly kind: 'found'; readonly users: readonly FoundUser[]; readonly count: number }
  | { readonly kind: 'error'; readonly message: string };

/**
 * The Immuta calls awareness needs (the API client and its directory provide them). With the
 * data source calls too, `dataSources` answers what tables are to Immuta; without, it is 'off'.
 */
export interface AwarenessLookups extends Partial<DataSourceLookups> {
  /** The owner of the API key. */
  me(signal?: AbortSignal): Promise<ImmutaUser>;
  /** One user by exact user name; undefined when Immuta has none. */
  findUser(userid: string, signal?: AbortSignal): Promise<ImmutaUser | undefined>;
  project(id: number, signal?: AbortSignal): Promise<ImmutaProject | undefined>;
  searchUsers(text: string, options: { size?: number; signal?: AbortSignal }): Promise<UserSearchResult>;
}

export interface AwarenessOptions {
  /** How long a learnt fact counts as fresh: users switch projects, so keep it brief. */
  readonly ttlMs?: number;
  /** How soon a failed check may be tried again. */
  readonly retryMs?: number;
  readonly now?: () => number;
  readonly log?: (line: string) => void;
}

interface Entry<T> {
  fact: T;
  /** When the fact was learnt (0: never). */
  at: number;
  inflight?: Promise<T>;
}

/** A project fact as a stamp shows it: the name, null for none, undefined when not known. */
export function projectName(fact: ProjectFact): string | null | undefined {
  return fact.kind === 'project' ? fact.name : fact.kind === 'none' ? null : undefined;
}

export function describeImmutaError(error: unknown): string {
  if (isImmutaApiError(error)) return error.message;
  return error instanceof Error ? error.message : String(error);
}

export class ImmutaAwareness {
  private lookups: AwarenessLookups | undefined;
  private off: ImmutaOff = { kind: 'off' };
  /** Bumped by every configure(): answers to an older configuration are dropped. */
  private generation = 0;
  private readonly permissions = new Map<string, Entry<PermissionFact>>();
  private readonly projects = new Map<string, Entry<ProjectFact>>();
  private readonly projectNames = new Map<number, Promise<ImmutaProject | undefined>>();
  private readonly changeEmitter = new Emitter<void>();
  readonly onDidChange: Event<void> = this.changeEmitter.event;
  private readonly ttlMs: number;
  private readonly retryMs: number;
  private readonly now: () => number;
  /** Tables as Immuta data sources, learnt per configuration like projects (and using them). */
  readonly dataSources: DataSourceAwareness;

  constructor(private readonly options: AwarenessOptions = {}) {
    this.ttlMs = options.ttlMs ?? 30_000;
    this.retryMs = options.retryMs ?? 5_000;
    this.now = options.now ?? Date.now;
    this.dataSources = new DataSourceAwareness(options);
  }

  /** A new URL, key or setting: forget everything learnt, and ask again on demand. */
  configure(lookups: AwarenessLookups | undefined, off: ImmutaOff = { kind: 'off' }): void {
    this.generation++;
    this.lookups = lookups;
    this.off = off;
    this.permissions.clear();
    this.projects.clear();
    this.projectNames.clear();
    const sources = hasDataSourceLookups(lookups) ? lookups : undefined;
    this.dataSources.configure(sources, sources ? (userid) => this.checkProject(userid) : undefined, off);
    this.changeEmitter.fire();
  }

  get configured(): boolean {
    return this.lookups !== undefined;
  }

  /** Whether `immutaUser` (or the API key's owner) holds IMPERSONATE_USER, as last learnt. */
  permission(immutaUser?: string): PermissionFact {
    return this.read(this.permissions, `me:${immutaUser ?? ''}`, () => this.checkPermissionNow(immutaUser));
  }

  /** The current project of `userid`, as last learnt. */
  project(userid: string): ProjectFact {
    return this.read(this.projects, userid, () => this.checkProjectNow(userid));
  }

  /** Asks Immuta now (unless an answer is on its way or fresher than `maxAgeMs`). */
  checkPermission(immutaUser?: string, maxAgeMs = this.ttlMs): Promise<PermissionFact> {
    return this.check(this.permissions, `me:${immutaUser ?? ''}`, maxAgeMs, () => this.checkPermissionNow(immutaUser));
  }

  checkProject(userid: string, maxAgeMs = this.ttlMs): Promise<ProjectFact> {
    return this.check(this.projects, userid, maxAgeMs, () => this.checkProjectNow(userid));
  }

  /**
   * The project of `user` for a results stamp: the name known now (null: none; undefined: not
   * known) and a re-check, cached for the TTL, whose answer lands later. Runs never wait for it.
   */
  projectForRun(user: string): { readonly now: string | null | undefined; readonly later: Promise<ProjectFact> } {
    return { now: projectName(this.project(user)), later: this.checkProject(user) };
  }

  /** The picker's search: users matching `text` with their current projects' names. */
  async search(text: string, signal?: AbortSignal): Promise<SearchOutcome> {
    const lookups = this.lookups;
    if (!lookups) return this.off;
    const generation = this.generation;
    try {
      const result = await lookups.searchUsers(text, { size: 20, signal });
      const users = await Promise.all(
        result.users.map(async (user): Promise<FoundUser> => {
          const project = await this.projectName(lookups, user.projectId, generation);
          // The search answer is as fresh as any: let the status bar use it too.
          if (project !== undefined && generation === this.generation && user.projectId !== undefined) {
            this.learn(this.projects, user.userid, project === null ? { kind: 'none', checkedAt: this.now() } : { kind: 'project', id: user.projectId ?? -1, name: project, checkedAt: this.now() });
          }
          return { userid: user.userid, name: user.name, email: user.email, iamid: user.iamid, project };
        }),
      );
      return { kind: 'found', users, count: result.count };
    } catch (error) {
      return { kind: 'error', message: describeImmutaError(error) };
    }
  }

  dispose(): void {
    this.generation++;
    this.dataSources.dispose();
    this.changeEmitter.dispose();
  }

  private read<T extends { kind: string }>(map: Map<string, Entry<T>>, key: string, ask: () => Promise<T>): T | ImmutaOff | { kind: 'checking' } {
    if (!this.lookups) return this.off;
    const entry = map.get(key);
    if (!entry || (!entry.inflight && this.stale(entry))) {
      void this.start(map, key, ask);
    }
    return map.get(key)?.at ? (map.get(key) as Entry<T>).fact : { kind: 'checking' };
  }

  private check<T extends { kind: string }>(map: Map<string, Entry<T>>, key: string, maxAgeMs: number, ask: () => Promise<T>): Promise<T | ImmutaOff> {
    if (!this.lookups) return Promise.resolve(this.off);
    const entry = map.get(key);
    if (entry?.inflight) return entry.inflight;
    if (entry && entry.at > 0 && entry.fact.kind !== 'error' && this.now() - entry.at < maxAgeMs) return Promise.resolve(entry.fact);
    return this.start(map, key, ask);
  }

  private stale(entry: Entry<{ kind: string }>): boolean {
    if (entry.at === 0) return true;
    const age = this.now() - entry.at;
    return entry.fact.kind === 'error' ? age > this.retryMs : age > this.ttlMs;
  }

  private start<T>(map: Map<string, Entry<T>>, key: string, ask: () => Promise<T>): Promise<T> {
    const generation = this.generation;
    const existing = map.get(key);
    const entry: Entry<T> = existing ?? { fact: undefined as unknown as T, at: 0 };
    const inflight = ask().then((fact) => {
      if (generation === this.generation) {
        entry.fact = fact;
        entry.at = this.now();
        entry.inflight = undefined;
        this.changeEmitter.fire();
      }
      return fact;
    });
    entry.inflight = inflight;
    map.set(key, entry);
    return inflight;
  }

  private learn<T>(map: Map<string, Entry<T>>, key: string, fact: T): void {
    const entry = map.get(key);
    if (entry?.inflight) return;
    map.set(key, { fact, at: this.now() });
    this.changeEmitter.fire();
  }

  private async checkPermissionNow(immutaUser: string | undefined): Promise<PermissionFact> {
    const lookups = this.lookups;
    if (!lookups) return this.off;
    try {
      const user = immutaUser === undefined ? await lookups.me() : await lookups.findUser(immutaUser);
      if (!user) {
        return { kind: 'error', message: `Immuta has no user named "${immutaUser ?? ''}" (the connection's immutaUser setting).` };
      }
      return user.permissions.includes(IMPERSONATE_USER) ? { kind: 'held', user: user.userid } : { kind: 'missing', user: user.userid };
    } catch (error) {
      this.options.log?.(`Immuta permission check failed: ${describeImmutaError(error)}`);
      return { kind: 'error', message: describeImmutaError(error) };
    }
  }

  private async checkProjectNow(userid: string): Promise<ProjectFact> {
    const lookups = this.lookups;
    if (!lookups) return this.off;
    const generation = this.generation;
    try {
      const user = await lookups.findUser(userid);
      if (!user) return { kind: 'error', message: `Immuta has no user named "${userid}".` };
      if (user.projectId === null || user.projectId === undefined) {
        // An answer that does not say is not "no project": say unknown.
        return user.projectId === null ? { kind: 'none', checkedAt: this.now() } : { kind: 'error', message: 'Immuta did not report this user\u2019s current project.' };
      }
      const name = await this.projectName(lookups, user.projectId, generation);
      return { kind: 'project', id: user.projectId, name: name ?? `#${user.projectId}`, checkedAt: this.now() };
    } catch (error) {
      this.options.log?.(`Immuta project check for ${userid} failed: ${describeImmutaError(error)}`);
      return { kind: 'error', message: describeImmutaError(error) };
    }
  }

  /** Project names by id, shared by every lookup of this configuration. */
  private async projectName(lookups: AwarenessLookups, id: number | null | undefined, generation: number): Promise<string | null | undefined> {
    if (id === null) return null;
    if (id === undefined) return undefined;
    let pending = this.projectNames.get(id);
    if (!pending) {
      // Not tied to one search's signal: other lookups may share the answer.
      pending = lookups.project(id);
      if (generation === this.generation) this.projectNames.set(id, pending);
      // A failed lookup is not remembered: the next one asks again.
      pending.catch(() => {
        if (this.projectNames.get(id) === pending) this.projectNames.delete(id);
      });
    }
    try {
      const project = await pending;
      return project?.name ?? `#${id}`;
    } catch {
      return undefined;
    }
  }
}
