/**
 * What a table is to Immuta, for one effective user: the data source it is (or none), whether
 * that user is subscribed, whether they can see it in their current project context, and the
 * sentence a tooltip shows about that context. Pure: the awareness layer gathers the inputs
 * (data-source-awareness.ts), this decides.
 *
 * Immuta's rule (the lab fixture's `immuta.access_context` follows it): a user acting under a
 * project sees only the data sources that project includes; a user acting under no project sees
 * the data sources they are subscribed to (purpose-restricted, "project-only" sources are not
 * subscribable outside a project, so Immuta does not list such a user on their access list).
 */
import type { ImmutaOff } from './awareness';
import type { DataSourceAccessEntry, ImmutaDataSource } from './types';

/** A table as the object explorer names it; `catalog` for platforms with more than one database. */
export interface TableRef {
  readonly catalog?: string;
  readonly schema: string;
  readonly name: string;
}

export interface ProjectContext {
  readonly id: number;
  readonly name: string;
  /** Ids of the data sources the project includes. */
  readonly dataSourceIds: readonly number[];
}

export type DataSourceFact =
  | ImmutaOff
  | { readonly kind: 'checking' }
  | {
      readonly kind: 'not-a-data-source';
      readonly user: string;
      /** The project `user` acts under; null: none. */
      readonly project: { readonly id: number; readonly name: string } | null;
      readonly checkedAt: number;
    }
  | {
      readonly kind: 'data-source';
      readonly id: number;
      readonly name: string;
      readonly user: string;
      /** On the data source's access list as subscribed. */
      readonly subscribed: boolean;
      /** Readable now: subscribed, and included in the project `user` acts under (if any). */
      readonly visible: boolean;
      readonly project: { readonly id: number; readonly name: string } | null;
      readonly checkedAt: number;
    }
  | { readonly kind: 'error'; readonly message: string };

export interface DataSourceFactsInput {
  readonly table: TableRef;
  /** The effective Immuta user (the impersonated user, or the login's own Immuta user). */
  readonly user: string;
  /** Data sources that may be the table (those of its schema), with where each lives. */
  readonly candidates: readonly ImmutaDataSource[];
  /** The subscribed users of the matching data source, as Immuta listed them (for `user`). */
  readonly subscribers: (source: ImmutaDataSource) => readonly DataSourceAccessEntry[];
  readonly project: ProjectContext | null;
  readonly checkedAt: number;
}

const fold = (value: string): string => value.toLowerCase();

/**
 * The data source that exposes `table`: same schema and table (and database, when both say),
 * exactly; else ignoring case when that leaves one (platforms fold unquoted names differently
 * from how Immuta stored them).
 */
export function findDataSource(table: TableRef, candidates: readonly ImmutaDataSource[]): ImmutaDataSource | undefined {
  const located = candidates.filter((source) => source.schema !== undefined && source.table !== undefined);
  const databaseFits = (source: ImmutaDataSource): boolean =>
    table.catalog === undefined || source.database === undefined || fold(source.database) === fold(table.catalog);
  const exact = located.filter((source) => source.schema === table.schema && source.table === table.name && databaseFits(source));
  if (exact.length > 0) return exact[0];
  const folded = located.filter((source) => fold(source.schema ?? '') === fold(table.schema) && fold(source.table ?? '') === fold(table.name) && databaseFits(source));
  return folded.length === 1 ? folded[0] : undefined;
}

/** Whether `user` is among `entries`: exact user name, else the only case-insensitive match. */
export function listsUser(entries: readonly DataSourceAccessEntry[], user: string): boolean {
  const subscribed = entries.filter((entry) => entry.state === undefined || entry.state === 'subscribed' || entry.state === 'owner' || entry.state === 'expert');
  if (subscribed.some((entry) => entry.userid === user)) return true;
  return subscribed.filter((entry) => fold(entry.userid) === fold(user)).length === 1;
}

export function dataSourceFacts(input: DataSourceFactsInput): DataSourceFact {
  const project = input.project === null ? null : { id: input.project.id, name: input.project.name };
  const source = findDataSource(input.table, input.candidates);
  if (source === undefined) {
    return { kind: 'not-a-data-source', user: input.user, project, checkedAt: input.checkedAt };
  }
  const subscribed = listsUser(input.subscribers(source), input.user);
  const inContext = input.project === null || input.project.dataSourceIds.includes(source.id);
  return { kind: 'data-source', id: source.id, name: source.name, user: input.user, subscribed, visible: subscribed && inContext, project, checkedAt: input.checkedAt };
}

/** The sentence about a project context; undefined outside one. */
export function projectContextSentence(project: { readonly name: string } | null): string | undefined {
  return project === null ? undefined : `Acting under project ${project.name}: only the project's data sources are visible.`;
}

/** The lines a table's tooltip shows about Immuta (none when Immuta is not configured). */
export function dataSourceTooltip(fact: DataSourceFact): string[] {
  switch (fact.kind) {
    case 'off':
    case 'no-key':
      return [];
    case 'checking':
      return ['Immuta: checking…'];
    case 'error':
      return [`Immuta: ${fact.message}`];
    case 'not-a-data-source':
      return ['Not an Immuta data source.', projectContextSentence(fact.project)].filter((line): line is string => line !== undefined);
    case 'data-source': {
      const lines = [`Immuta data source: ${fact.name}`, `${fact.user} is ${fact.subscribed ? '' : 'not '}subscribed.`];
      if (fact.subscribed && !fact.visible && fact.project !== null) lines.push(`Not in project ${fact.project.name}: not visible to ${fact.user} now.`);
      const sentence = projectContextSentence(fact.project);
      if (sentence !== undefined) lines.push(sentence);
      return lines;
    }
  }
}
