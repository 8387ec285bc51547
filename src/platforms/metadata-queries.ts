import type { MetadataQueries } from '../metadata/types';
import { DATABRICKS_METADATA } from './databricks/metadata';
import { REDSHIFT_METADATA } from './redshift/metadata';
import { SNOWFLAKE_METADATA } from './snowflake/metadata';
import { SYNAPSE_METADATA } from './synapse/metadata';
import { TRINO_METADATA } from './trino/metadata';
import type { PlatformId } from './types';

/**
 * Each platform's catalog queries (src/platforms/<id>/metadata.ts), for the explorer and
 * completion. Pure: no driver is loaded to know how to ask.
 */
const QUERIES: Readonly<Record<PlatformId, MetadataQueries>> = {
  redshift: REDSHIFT_METADATA,
  synapse: SYNAPSE_METADATA,
  trino: TRINO_METADATA,
  snowflake: SNOWFLAKE_METADATA,
  databricks: DATABRICKS_METADATA,
};

/** The platform's catalog queries (undefined only for a platform id this version does not know). */
export function metadataQueries(platform: PlatformId): MetadataQueries | undefined {
  return QUERIES[platform];
}
