/** What the extension needs to know about an Immuta user, read tolerantly from any API version. */
export interface ImmutaUser {
  readonly id?: number;
  /** IAM id, e.g. 'bim', 'okta'. Empty when the answer did not say. */
  readonly iamid: string;
  /** The Immuta user name that impersonation takes. */
  readonly userid: string;
  /** Display name: `profile.name`, or top-level `name` on old versions. */
  readonly name?: string;
  readonly email?: string;
  /** Current project id: null = none; undefined = the answer did not say. */
  readonly projectId?: number | null;
  /** Own permissions plus group permissions, de-duplicated. */
  readonly permissions: readonly string[];
  readonly disabled?: boolean;
}

export interface ImmutaProject {
  readonly id: number;
  readonly name: string;
  readonly status?: string;
}

export interface UserSearchResult {
  /** How many users matched in Immuta (may exceed `users.length`). */
  readonly count: number;
  readonly users: readonly ImmutaUser[];
}

/** The permission an Immuta user needs to run queries as someone else. */
export const IMPERSONATE_USER = 'IMPERSONATE_USER';

/** An Immuta data source, with where it lives when the answer said (handler metadata). */
export interface ImmutaDataSource {
  readonly id: number;
  readonly name: string;
  /** The remote database, schema and table the data source exposes; undefined when not said. */
  readonly database?: string;
  readonly schema?: string;
  readonly table?: string;
  /** The API key owner's status: 'subscribed', 'not_subscribed', 'owner', 'expert', 'pending'. */
  readonly subscriptionStatus?: string;
}

export interface DataSourceSearchResult {
  /** How many data sources matched in Immuta (may exceed `dataSources.length`). */
  readonly count: number;
  readonly dataSources: readonly ImmutaDataSource[];
}

/** One user on a data source's access list (GET /dataSource/{id}/access). */
export interface DataSourceAccessEntry {
  readonly userid: string;
  readonly iamid?: string;
  /** 'subscribed', 'owner', 'expert', 'ingest', or what the tenant says. */
  readonly state?: string;
}

export interface DataSourceAccessResult {
  readonly count: number;
  readonly users: readonly DataSourceAccessEntry[];
}
