import type { MetadataQueries } from '../metadata/types';
import { REDSHIFT_METADATA } from './redshift/metadata';
import { SYNAPSE_METADATA } from './synapse/metadata';
import type { PlatformId } from './types';

/**
 * Each platform's catalog queries (src/platforms/<id>/metadata.ts), for the explorer and
 * completion. Pure: no driver is loaded to know how to ask.
 */
const QUERIES: Partial<Record<PlatformId, MetadataQueries>> = {
  // One line per platform (issue 19): redshift, synapse, trino, snowflake, databricks.
  redshift: REDSHIFT_METADATA,
  synapse: SYNAPSE_METADATA,
};

/** The platform's catalog queries, or undefined where the explorer does not support it yet. */
export function metadataQueries(platform: PlatformId): MetadataQueries | undefined {
  return QUERIES[platform];
}
