import type { MetadataQueries } from '../metadata/types';
import type { PlatformId } from './types';
import { DATABRICKS_METADATA } from './databricks/metadata';
import { SNOWFLAKE_METADATA } from './snowflake/metadata';
import { TRINO_METADATA } from './trino/metadata';

/**
 * Each platform's catalog queries (src/platforms/<id>/metadata.ts), for the explorer and
 * completion. Pure: no driver is loaded to know how to ask.
 */
const QUERIES: Partial<Record<PlatformId, MetadataQueries>> = {
  // One line per platform (issue 19): redshift, synapse, trino, snowflake, databricks.
  trino: TRINO_METADATA,
  snowflake: SNOWFLAKE_METADATA,
  databricks: DATABRICKS_METADATA,
};

/** The platform's catalog queries, or undefined where the explorer does not support it yet. */
export function metadataQueries(platform: PlatformId): MetadataQueries | undefined {
  return QUERIES[platform];
}
