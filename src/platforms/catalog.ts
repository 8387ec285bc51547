import type { SqlDialectId } from '../sql/dialects';
import type { PlatformId } from './types';

/** What the UI may know about a platform without loading its driver. */
export interface PlatformInfo {
  readonly id: PlatformId;
  readonly displayName: string;
  readonly shortName: string;
  readonly sqlDialect: SqlDialectId;
  /** Whether this version ships the platform's driver. */
  readonly available: boolean;
}

export const PLATFORMS: Readonly<Record<PlatformId, PlatformInfo>> = {
  redshift: { id: 'redshift', displayName: 'Amazon Redshift', shortName: 'Redshift', sqlDialect: 'postgres', available: true },
  synapse: { id: 'synapse', displayName: 'Azure Synapse Analytics', shortName: 'Synapse', sqlDialect: 'tsql', available: true },
  databricks: { id: 'databricks', displayName: 'Databricks Spark', shortName: 'Databricks', sqlDialect: 'spark', available: true },
  snowflake: { id: 'snowflake', displayName: 'Snowflake', shortName: 'Snowflake', sqlDialect: 'snowflake', available: true },
  trino: { id: 'trino', displayName: 'Starburst (Trino)', shortName: 'Trino', sqlDialect: 'trino', available: true },
};

export function platformInfo(platform: PlatformId): PlatformInfo {
  return PLATFORMS[platform];
}

/** The lexical family of a platform named by its id, e.g. in a stored history entry; undefined for an unknown one. */
export function sqlDialectOf(platform: string): SqlDialectId | undefined {
  return Object.prototype.hasOwnProperty.call(PLATFORMS, platform) ? PLATFORMS[platform as PlatformId].sqlDialect : undefined;
}
