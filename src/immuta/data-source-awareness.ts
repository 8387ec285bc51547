import { Emitter, type Event } from '../common/events';
import type { ImmutaOff, ProjectFact } from './awareness';
import { dataSourceFacts, type DataSourceFact, type ProjectContext, type TableRef } from './data-source-facts';
import { isImmutaApiError } from './errors';
import type { DataSourceAccessEntry, DataSourceAccessResult, DataSourceSearchResult, ImmutaDataSource } from './types';

/**
 * Data source facts for the object explorer's tooltips, answered synchronously from what was last
 * learnt, like ImmutaAwareness answers projects: nothing waits on Immuta. Asking for a fact that
 * is missing or stale starts a background check and fires `onDidChange` when it lands.
 *
 * What is cached per configuration (a new URL or key forgets it all), each for the TTL:
 *   - the data sources of a schema (GET /dataSource?schema=, then GET /dataSource/{id} for hits
 *     that do not say where they live);
 *   - whether a user is on a data source's access list (GET /dataSource/{id}/access);
 *   - a project's data sources (GET /project/{id}/dataSources);
 *   - the user's current project comes from ImmutaAwareness (its own cache).
 */

/** The Immuta calls data source facts need (ImmutaClient provides them). */
export interface DataSourceLookups {
  searchDataSources(options: { searchText?: string; schema?: string; size?: number; offset?: number; signal?: AbortSignal }): Promise<DataSourceSearchResult>;
  dataSource(id: number, signal?: AbortSignal): Promise<ImmutaDataSource | undefined>;
  dataSourceAccess(id: number, options: { searchText?: string; size?: number; signal?: AbortSignal }): Promise<DataSourceAccessResult>;
  projectDataSources(projectId: number, signal?: AbortSignal): Promise<readonly ImmutaDataSource[]>;
}

export function hasDataSourceLookups(value: object | undefined): value is DataSourceLookups {
  const candidate = value as Partial<DataSourceLookups> | undefined;
  return (
    typeof candidate?.searchDataSources === 'function' &&
    typeof candidate.dataSource === 'function' &&
    typeof candidate.dataSourceAccess === 'function' &&
    typeof candidate.projectDataSources === 'function'
  );
}

export interface DataSourceAwarenessOptions {
  readonly ttlMs?: number;
  readonly retryMs?: number;
  readonly now?: () => number;
  readonly log?: (line: string) => void;
}

/** The current project of a user, as ImmutaAwareness.checkProject answers it. */
export type ProjectOf = (userid: string) => Promise<ProjectFact>;

const SCHEMA_PAGE = 100;
const SCHEMA_PAGES = 20;

interface Entry {
  fact: DataSourceFact;
  at: number;
  inflight?: Promise<DataSourceFact>;
}

interface Memo<T> {
  readonly at: number;
  readonly value: Promise<T>;
}

function describe(error: unknown): string {
  if (isImmutaApiError(error)) return error.message;
  return error instanceof Error ? error.message : String(error);
}

export class DataSourceAwareness {
  private lookups: DataSourceLookups | undefined;
  private projectOf: ProjectOf | undefined;
  private off: ImmutaOff = { kind: 'off' };
  private generation = 0;
  private readonly facts = new Map<string, Entry>();
  private readonly schemas = new Map<string, Memo<readonly ImmutaDataSource[]>>();
  private readonly access = new Map<string, Memo<readonly DataSourceAccessEntry[]>>();
  private readonly projects = new Map<number, Memo<readonly ImmutaDataSource[]>>();
  private readonly changeEmitter = new Emitter<void>();
  readonly onDidChange: Event<void> = this.changeEmitter.event;
  private readonly ttlMs: number;
  private readonly retryMs: number;
  private readonly now: () => number;

  constructor(private readonly options: DataSourceAwarenessOptions = {}) {
    this.ttlMs = options.ttlMs ?? 30_000;
    this.retryMs = options.retryMs ?? 5_000;
    this.now = options.now ?? Date.now;
  }

  /** A new URL, key or setting: forget everything learnt. */
  configure(lookups: DataSourceLookups | undefined, projectOf: ProjectOf | undefined, off: ImmutaOff = { kind: 'off' }): void {
    this.generation++;
    this.lookups = lookups;
    this.projectOf = projectOf;
    this.off = off;
    this.facts.clear();
    this.schemas.clear();
    this.access.clear();
    this.projects.clear();
    this.changeEmitter.fire();
  }

  /** What `table` is to Immuta for `user`, as last learnt ('checking' the first time). */
  fact(user: string, table: TableRef): DataSourceFact {
    if (!this.lookups || !this.projectOf) return this.off;
    const key = factKey(user, table);
    const entry = this.facts.get(key);
    if (!entry || (!entry.inflight && this.stale(entry))) void this.start(key, user, table);
    const known = this.facts.get(key);
    return known && known.at > 0 ? known.fact : { kind: 'checking' };
  }

  /** Asks Immuta now, unless an answer is on its way or fresher than `maxAgeMs`. */
  check(user: string, table: TableRef, maxAgeMs = this.ttlMs): Promise<DataSourceFact> {
    if (!this.lookups || !this.projectOf) return Promise.resolve(this.off);
    const key = factKey(user, table);
    const entry = this.facts.get(key);
    if (entry?.inflight) return entry.inflight;
    if (entry && entry.at > 0 && entry.fact.kind !== 'error' && this.now() - entry.at < maxAgeMs) return Promise.resolve(entry.fact);
    return this.start(key, user, table);
  }

  /** The fact known now and the answer on its way (cached for the TTL); callers never wait. */
  factsFor(user: string, table: TableRef): { readonly now: DataSourceFact; readonly later: Promise<DataSourceFact> } {
    return { now: this.fact(user, table), later: this.check(user, table) };
  }

  dispose(): void {
    this.generation++;
    this.changeEmitter.dispose();
  }

  private stale(entry: Entry): boolean {
    if (entry.at === 0) return true;
    const age = this.now() - entry.at;
    return entry.fact.kind === 'error' ? age > this.retryMs : age > this.ttlMs;
  }

  private start(key: string, user: string, table: TableRef): Promise<DataSourceFact> {
    const generation = this.generation;
    const entry: Entry = this.facts.get(key) ?? { fact: { kind: 'checking' }, at: 0 };
    const inflight = this.ask(user, table).then((fact) => {
      if (generation === this.generation) {
        entry.fact = fact;
        entry.at = this.now();
        entry.inflight = undefined;
        this.changeEmitter.fire();
      }
      return fact;
    });
    entry.inflight = inflight;
    this.facts.set(key, entry);
    return inflight;
  }

  /** Never rejects: a failure is an 'error' fact carrying Immuta's message. */
  private async ask(user: string, table: TableRef): Promise<DataSourceFact> {
    const lookups = this.lookups;
    const projectOf = this.projectOf;
    if (!lookups || !projectOf) return this.off;
    try {
      const [candidates, projectFact] = await Promise.all([this.schemaSources(lookups, table), projectOf(user)]);
      if (projectFact.kind === 'off' || projectFact.kind === 'no-key') return projectFact;
      if (projectFact.kind === 'error') return { kind: 'error', message: projectFact.message };
      if (projectFact.kind === 'checking') return { kind: 'checking' };
      let project: ProjectContext | null = null;
      if (projectFact.kind === 'project') {
        const included = await this.memo(this.projects, projectFact.id, () => lookups.projectDataSources(projectFact.id));
        project = { id: projectFact.id, name: projectFact.name, dataSourceIds: included.map((source) => source.id) };
      }
      const probe = dataSourceFacts({ table, user, candidates, subscribers: () => [], project, checkedAt: this.now() });
      if (probe.kind !== 'data-source') return probe;
      const entries = await this.memo(this.access, `${probe.id}\u0000${user}`, async () => (await lookups.dataSourceAccess(probe.id, { searchText: user })).users);
      return dataSourceFacts({ table, user, candidates, subscribers: () => entries, project, checkedAt: this.now() });
    } catch (error) {
      this.options.log?.(`Immuta data source check for ${table.schema}.${table.name} as ${user} failed: ${describe(error)}`);
      return { kind: 'error', message: describe(error) };
    }
  }

  /** The data sources of the table's schema, each with where it lives. */
  private schemaSources(lookups: DataSourceLookups, table: TableRef): Promise<readonly ImmutaDataSource[]> {
    return this.memo(this.schemas, `${table.catalog ?? ''}\u0000${table.schema}`, async () => {
      const hits: ImmutaDataSource[] = [];
      for (let page = 0; page < SCHEMA_PAGES; page++) {
        const result = await lookups.searchDataSources({ schema: table.schema, size: SCHEMA_PAGE, offset: hits.length });
        hits.push(...result.dataSources);
        if (result.dataSources.length === 0 || hits.length >= result.count) break;
      }
      // Search hits need not say where a data source lives; its full record does.
      const located = await Promise.all(hits.map(async (hit) => (hit.schema !== undefined && hit.table !== undefined ? hit : ((await lookups.dataSource(hit.id)) ?? hit))));
      return located;
    });
  }

  /** One shared answer per key for the TTL; a failure is forgotten at once so the next ask retries. */
  private memo<K, T>(map: Map<K, Memo<T>>, key: K, make: () => Promise<T>): Promise<T> {
    const held = map.get(key);
    if (held && this.now() - held.at < this.ttlMs) return held.value;
    const generation = this.generation;
    const value = make();
    const memo = { at: this.now(), value };
    if (generation === this.generation) map.set(key, memo);
    value.catch(() => {
      if (map.get(key) === memo) map.delete(key);
    });
    return value;
  }
}

function factKey(user: string, table: TableRef): string {
  return [user, table.catalog ?? '', table.schema, table.name].join('\u0000');
}
