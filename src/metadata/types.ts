import type { Row } from '../platforms/types';

/**
 * What the object explorer and completion know of a database (issue 19): a tree of containers
 * (catalogs or databases, schemas), tables and views, and columns, read level by level through a
 * session that holds the worksheet's effective identity. Pure: no vscode, no driver.
 */
export type MetaKind = 'catalog' | 'schema' | 'table' | 'view' | 'column';

export interface MetaNode {
  readonly kind: MetaKind;
  /** The name as the server spells it (unquoted). */
  readonly name: string;
  /** The names from the top of the tree down to this node, itself included: ['sales', 'customers']. */
  readonly path: readonly string[];
  /** Columns: the type as the server names it (`character varying(64)`, `bigint`). */
  readonly dataType?: string;
  /** Columns: whether they may be NULL, when the server says. */
  readonly nullable?: boolean;
  /** The server's comment or description, when it has one. */
  readonly comment?: string;
}

/** One level's statement, and how its rows become nodes. */
export interface MetaQuery {
  /** A statement in the platform's dialect; names in it are quoted or literal-quoted by the dialect, never spliced raw. */
  readonly sql: string;
  /** Reads the statement's first result set (its column names as the server returned them). */
  read(columns: readonly string[], rows: readonly Row[]): MetaNode[];
}

/**
 * A platform's catalog queries (src/platforms/<id>/metadata.ts): which container levels it has
 * above tables, each level's query, and how a node is written in SQL.
 */
export interface MetadataQueries {
  /**
   * The container levels above tables, top down: ['schema'] where a connection is bound to one
   * database (Redshift, Synapse) or where databases are schemas (Databricks Spark);
   * ['catalog', 'schema'] for Trino catalogs and Snowflake databases.
   */
  readonly containers: readonly ('catalog' | 'schema')[];
  /** What the platform calls each kind, for the tree's labels ("database" for a Snowflake catalog). */
  readonly nouns: Readonly<Partial<Record<MetaKind, string>>>;
  /** The query for the children of `parent` (undefined: the top level). */
  children(parent: MetaNode | undefined): MetaQuery;
  /** The node's name as SQL, qualified from its path and quoted where the dialect needs it. */
  qualifiedName(node: MetaNode): string;
  /** An identifier as SQL, quoted only where the dialect needs it (completion inserts this). */
  identifier(name: string): string;
  /** `SELECT * FROM <table> <limit 100>` in the dialect (TOP for T-SQL). */
  selectTop(node: MetaNode, rows: number): string;
}

/** Whose view of the database: a connection and an identity (undefined user: yourself). */
export interface MetadataScope {
  readonly profile: import('../platforms/types').ConnectionProfile;
  readonly user: string | undefined;
}

/** A level as loaded: its nodes, or why there are none (the tree shows it on that node). */
export type LevelResult =
  /** `truncated`: the level had more entries than the service keeps (the first ones are listed). */
  | { readonly kind: 'nodes'; readonly nodes: readonly MetaNode[]; readonly truncated?: boolean }
  /** The server refused or failed the level's query: its message, and the advice where known. */
  | { readonly kind: 'failed'; readonly message: string }
  /** The metadata session could not establish the identity: nothing is listed (fail closed). */
  | { readonly kind: 'unverified'; readonly message: string };

/**
 * The explorer's and completion's source (src/metadata/metadata-service.ts): one metadata session
 * per scope (a worksheet of its own, impersonation applied and verified, idle-closed), levels
 * cached per scope.
 */
export interface MetadataSource {
  /** The children of `parent` (undefined: the top), from the cache or loaded now. */
  children(scope: MetadataScope, parent: MetaNode | undefined, signal?: AbortSignal): Promise<LevelResult>;
  /** What is cached now, never waiting (completion); undefined when the level was not loaded. */
  cached(scope: MetadataScope, parent: MetaNode | undefined): readonly MetaNode[] | undefined;
  /** Forgets a level (and everything below it), or the whole scope. */
  invalidate(scope: MetadataScope, parent?: MetaNode): void;
  /** Loads a level in the background if it is not cached (completion asks, never waits). */
  prefetch(scope: MetadataScope, parent: MetaNode | undefined): void;
  /** Told when a level finished loading. */
  onDidLoad(listener: (scope: MetadataScope, parent: MetaNode | undefined) => void): { dispose(): void };
}
