import { isDeepStrictEqual } from 'node:util';
import { Emitter } from '../common/events';
import { metadataQueries } from '../platforms/metadata-queries';
import type { ConnectionProfile, PlatformId, Row } from '../platforms/types';
import type { RunHandle, RunObserver, StatementInput } from '../worksheets/run-types';
import { isIdentityRefusal, levelMessage } from './level-message';
import type { LevelResult, MetadataQueries, MetadataScope, MetadataSource, MetaNode } from './types';

/** What a metadata session needs of a worksheet (a real Worksheet has it; tests pass fakes). */
export interface MetadataWorksheet {
  readonly id: string;
  impersonate(user: string): Promise<void>;
  run(statements: readonly StatementInput[], observer?: RunObserver): RunHandle;
}

/** Where metadata sessions come from: worksheets of their own (registry.create / registry.close), never a user's. */
export interface MetadataSessions<W extends MetadataWorksheet = MetadataWorksheet> {
  open(profile: ConnectionProfile): W;
  close(worksheet: W): Promise<void>;
}

/** Timers, injectable so tests decide when an idle session closes. */
export interface IdleTimers {
  set(callback: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

export interface MetadataServiceOptions<W extends MetadataWorksheet = MetadataWorksheet> {
  readonly sessions: MetadataSessions<W>;
  /** A platform's catalog queries (default: the registry in src/platforms/metadata-queries). */
  readonly queries?: (platform: PlatformId) => MetadataQueries | undefined;
  /** A session unused this long is closed (default 5 minutes); its levels stay cached. */
  readonly idleMs?: number;
  /** A level keeps at most this many entries (default 50,000) and says it was cut. */
  readonly maxEntries?: number;
  readonly timers?: IdleTimers;
}

export const DEFAULT_IDLE_MS = 5 * 60_000;
export const DEFAULT_MAX_ENTRIES = 50_000;

const NODE_TIMERS: IdleTimers = {
  set: (callback, ms) => {
    const handle = setTimeout(callback, ms);
    // An idle timer alone must not keep the extension host (or a test process) alive.
    handle.unref();
    return handle;
  },
  clear: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

type SessionState<W> = { readonly kind: 'open'; readonly worksheet: W } | { readonly kind: 'unverified'; readonly message: string };

interface Level {
  readonly parent: MetaNode | undefined;
  result?: LevelResult;
  loading?: Promise<LevelResult>;
  /** Callers waiting for the load; when the last one gives up (abort), the run is cancelled. */
  waiters: number;
  /** Everyone waiting gave up before the level loaded. */
  abandoned: boolean;
  cancel?: () => void;
}

interface ScopeState<W> {
  readonly key: string;
  readonly scope: MetadataScope;
  session?: Promise<SessionState<W>>;
  readonly levels: Map<string, Level>;
  /** Loads in progress: the idle clock starts when none is left. */
  active: number;
  idle?: unknown;
}

const SEP = '\u0000';

function scopeKey(scope: MetadataScope): string {
  return [scope.profile.platform, scope.profile.name, scope.user ?? ''].join(SEP);
}

/** A level's key: the path of its parent, '' for the top. Paths are unique per platform (one kind per depth). */
function levelKey(parent: MetaNode | undefined): string {
  return parent === undefined ? '' : `/${parent.path.join(SEP)}`;
}

function isBelowOrAt(key: string, parentKey: string): boolean {
  return key === parentKey || key.startsWith(parentKey + SEP) || parentKey === '';
}

/**
 * The explorer's and completion's source of metadata: one session per scope (connection and
 * identity), a worksheet of its own opened through `sessions`, never a user's worksheet, so a
 * catalog query never interleaves with the user's statements. The session impersonates the
 * scope's user through the worksheet, which applies and verifies as any worksheet does; when it
 * cannot, nothing is listed for that scope (fail closed) and no catalog statement is sent.
 * Levels are cached per scope with their nodes; a session unused for `idleMs` is closed.
 */
export class MetadataService<W extends MetadataWorksheet = MetadataWorksheet> implements MetadataSource {
  private readonly scopes = new Map<string, ScopeState<W>>();
  private readonly loaded = new Emitter<{ scope: MetadataScope; parent: MetaNode | undefined }>({ name: 'metadata level loaded' });
  private readonly idleMs: number;
  private readonly maxEntries: number;
  private readonly timers: IdleTimers;
  private readonly queriesOf: (platform: PlatformId) => MetadataQueries | undefined;
  private disposed = false;

  constructor(private readonly options: MetadataServiceOptions<W>) {
    this.idleMs = options.idleMs ?? DEFAULT_IDLE_MS;
    this.maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
    this.timers = options.timers ?? NODE_TIMERS;
    this.queriesOf = options.queries ?? metadataQueries;
  }

  children(scope: MetadataScope, parent: MetaNode | undefined, signal?: AbortSignal): Promise<LevelResult> {
    if (this.disposed) return Promise.resolve({ kind: 'failed', message: 'The metadata service was closed.' });
    const state = this.state(scope);
    const level = this.level(state, parent);
    if (level.result !== undefined) return Promise.resolve(level.result);
    const loading = level.loading ?? this.startLoad(state, level);
    if (signal === undefined) {
      level.waiters++;
      return loading;
    }
    return this.waitWithSignal(level, loading, signal);
  }

  cached(scope: MetadataScope, parent: MetaNode | undefined): readonly MetaNode[] | undefined {
    const result = this.cachedLevel(scope, parent);
    return result?.kind === 'nodes' ? result.nodes : undefined;
  }

  /** The level as loaded (nodes, failed or unverified), never waiting; undefined when not loaded. */
  cachedLevel(scope: MetadataScope, parent: MetaNode | undefined): LevelResult | undefined {
    const state = this.scopes.get(scopeKey(scope));
    if (state === undefined || (state.scope.profile !== scope.profile && !isDeepStrictEqual(state.scope.profile, scope.profile))) return undefined;
    return state.levels.get(levelKey(parent))?.result;
  }

  invalidate(scope: MetadataScope, parent?: MetaNode): void {
    const state = this.scopes.get(scopeKey(scope));
    if (state === undefined) return;
    const parentKey = parent === undefined ? '' : levelKey(parent);
    for (const key of [...state.levels.keys()]) {
      if (isBelowOrAt(key, parentKey)) state.levels.delete(key);
    }
    // A refresh of the whole scope tries the identity again where it could not be verified.
    if (parent === undefined) void this.forgetUnverified(state);
  }

  prefetch(scope: MetadataScope, parent: MetaNode | undefined): void {
    if (this.disposed) return;
    const state = this.state(scope);
    const level = this.level(state, parent);
    if (level.result !== undefined || level.loading !== undefined) return;
    level.waiters++;
    void this.startLoad(state, level);
  }

  onDidLoad(listener: (scope: MetadataScope, parent: MetaNode | undefined) => void): { dispose(): void } {
    return this.loaded.event(({ scope, parent }) => listener(scope, parent));
  }

  /** Scopes with a session open now (for tests and the status of the explorer). */
  openSessions(): number {
    return [...this.scopes.values()].filter((state) => state.session !== undefined).length;
  }

  /** Closes every session and forgets every level; later requests answer that the service is closed. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    const states = [...this.scopes.values()];
    this.scopes.clear();
    await Promise.allSettled(states.map((state) => this.closeSession(state)));
    this.loaded.dispose();
  }

  // ---- scopes and sessions ------------------------------------------------------------------

  private state(scope: MetadataScope): ScopeState<W> {
    const key = scopeKey(scope);
    const existing = this.scopes.get(key);
    // The same name with edited settings is another database (or login): start over.
    if (existing !== undefined && isDeepStrictEqual(existing.scope.profile, scope.profile)) return existing;
    if (existing !== undefined) void this.closeSession(existing);
    const state: ScopeState<W> = { key, scope, levels: new Map(), active: 0 };
    this.scopes.set(key, state);
    return state;
  }

  private level(state: ScopeState<W>, parent: MetaNode | undefined): Level {
    const key = levelKey(parent);
    let level = state.levels.get(key);
    // A load everyone gave up on is being cancelled: a new request starts a load of its own.
    if (level === undefined || (level.abandoned && level.result === undefined)) {
      level = { parent, waiters: 0, abandoned: false };
      state.levels.set(key, level);
    }
    return level;
  }

  private session(state: ScopeState<W>): Promise<SessionState<W>> {
    state.session ??= this.openSession(state.scope);
    return state.session;
  }

  private async openSession(scope: MetadataScope): Promise<SessionState<W>> {
    const worksheet = this.options.sessions.open(scope.profile);
    if (scope.user === undefined) return { kind: 'open', worksheet };
    try {
      // The worksheet applies the impersonation and verifies it as it does for a user's worksheet.
      await worksheet.impersonate(scope.user);
      return { kind: 'open', worksheet };
    } catch (error) {
      await this.options.sessions.close(worksheet).catch(() => undefined);
      return { kind: 'unverified', message: levelMessage(error, scope.profile.platform, scope.user) };
    }
  }

  private async closeSession(state: ScopeState<W>): Promise<void> {
    if (state.idle !== undefined) this.timers.clear(state.idle);
    state.idle = undefined;
    const session = state.session;
    state.session = undefined;
    if (session === undefined) return;
    const opened = await session;
    if (opened.kind === 'open') await this.options.sessions.close(opened.worksheet).catch(() => undefined);
  }

  private async forgetUnverified(state: ScopeState<W>): Promise<void> {
    const session = state.session;
    if (session !== undefined && (await session).kind === 'unverified' && state.session === session) state.session = undefined;
  }

  private touch(state: ScopeState<W>): void {
    if (state.idle !== undefined) this.timers.clear(state.idle);
    state.idle = undefined;
    if (state.active > 0 || state.session === undefined || this.disposed) return;
    state.idle = this.timers.set(() => {
      state.idle = undefined;
      if (state.active === 0) void this.closeSession(state);
    }, this.idleMs);
  }

  // ---- loading a level ----------------------------------------------------------------------

  private startLoad(state: ScopeState<W>, level: Level): Promise<LevelResult> {
    const loading = this.load(state, level).then((result) => {
      level.loading = undefined;
      level.cancel = undefined;
      level.waiters = 0;
      const current = state.levels.get(levelKey(level.parent));
      // A level invalidated (or given up) while it loaded is not cached: its answer may be stale.
      if (current === level && result !== CANCELLED && this.scopes.get(state.key) === state) {
        level.result = result;
        this.loaded.fire({ scope: state.scope, parent: level.parent });
      } else if (current === level && result === CANCELLED) {
        state.levels.delete(levelKey(level.parent));
      }
      return result;
    });
    level.loading = loading;
    return loading;
  }

  private async load(state: ScopeState<W>, level: Level): Promise<LevelResult> {
    const queries = this.queriesOf(state.scope.profile.platform);
    if (queries === undefined) return { kind: 'failed', message: `The explorer does not support ${state.scope.profile.platform} connections yet.` };
    let query;
    try {
      query = queries.children(level.parent);
    } catch (error) {
      return { kind: 'failed', message: levelMessage(error, state.scope.profile.platform) };
    }
    state.active++;
    this.touch(state);
    try {
      const session = await this.session(state);
      if (session.kind === 'unverified') return { kind: 'unverified', message: session.message };
      if (level.abandoned) return CANCELLED;
      const outcome = await this.runLevel(session.worksheet, query.sql, level);
      if (outcome.kind === 'cancelled') return CANCELLED;
      if (outcome.kind === 'failed') {
        if (isIdentityRefusal(outcome.error)) {
          // The session lost its identity (a reconnect that could not re-apply it): close it, list nothing.
          const message = levelMessage(outcome.error, state.scope.profile.platform, state.scope.user);
          await this.closeSession(state);
          return { kind: 'unverified', message };
        }
        return { kind: 'failed', message: levelMessage(outcome.error, state.scope.profile.platform, state.scope.user) };
      }
      let nodes: MetaNode[];
      try {
        nodes = query.read(outcome.columns, outcome.rows);
      } catch (error) {
        return { kind: 'failed', message: `Could not read the server's answer: ${levelMessage(error, state.scope.profile.platform)}` };
      }
      const truncated = outcome.truncated || nodes.length > this.maxEntries;
      if (nodes.length > this.maxEntries) nodes = nodes.slice(0, this.maxEntries);
      return truncated ? { kind: 'nodes', nodes, truncated: true } : { kind: 'nodes', nodes };
    } finally {
      state.active--;
      this.touch(state);
    }
  }

  /** Runs a level's statement and keeps the first result set, at most maxEntries + 1 rows (one more tells that it was cut). */
  private async runLevel(worksheet: W, sql: string, level: Level): Promise<RunResult> {
    let columns: readonly string[] = [];
    const rows: Row[] = [];
    let resultSets = 0;
    let truncated = false;
    const handle = worksheet.run([{ text: sql, digest: false }], {
      columns: (_index, described) => {
        resultSets++;
        if (resultSets === 1) columns = described.map((column) => column.name);
      },
      rows: (_index, batch) => {
        if (resultSets !== 1 || truncated) return;
        for (const row of batch) {
          if (rows.length >= this.maxEntries) {
            truncated = true;
            // Enough for the level: the rest is not read.
            handle.cancel();
            return;
          }
          rows.push(row);
        }
      },
    });
    level.cancel = () => handle.cancel();
    if (level.abandoned) handle.cancel();
    const [outcome] = await handle.outcomes;
    if (outcome.status === 'succeeded' || (truncated && outcome.status === 'cancelled')) return { kind: 'rows', columns, rows, truncated };
    if (outcome.status === 'failed') return { kind: 'failed', error: outcome.error };
    return { kind: 'cancelled' };
  }

  private waitWithSignal(level: Level, loading: Promise<LevelResult>, signal: AbortSignal): Promise<LevelResult> {
    if (signal.aborted) return Promise.resolve(ABORTED);
    level.waiters++;
    return new Promise<LevelResult>((resolve) => {
      const onAbort = () => {
        level.waiters--;
        // The last one waiting gave up: stop the statement rather than read a level nobody shows.
        if (level.waiters === 0) {
          level.abandoned = true;
          level.cancel?.();
        }
        resolve(ABORTED);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      void loading.then((result) => {
        signal.removeEventListener('abort', onAbort);
        resolve(result === CANCELLED ? ABORTED : result);
      });
    });
  }
}

type RunResult =
  | { readonly kind: 'rows'; readonly columns: readonly string[]; readonly rows: readonly Row[]; readonly truncated: boolean }
  | { readonly kind: 'failed'; readonly error: unknown }
  | { readonly kind: 'cancelled' };

/** A load nobody waits for any more: not cached, and whoever still holds the promise is told it was cancelled. */
const CANCELLED: LevelResult = { kind: 'failed', message: 'Cancelled.' };
const ABORTED: LevelResult = CANCELLED;
