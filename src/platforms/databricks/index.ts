import { PlatformError } from '../errors';
import type { ConnectionProfile, PlatformDriver } from '../types';
import { openDatabricksSession } from './connect';
import { classifyStatement, impersonationUnsupported, validateUserName } from './dialect';

/**
 * Databricks Spark (not Unity Catalog) over @databricks/sql's Thrift protocol. Loaded lazily,
 * and the driver package itself only when the first session opens (see sdk.ts).
 *
 * Impersonation is a Spark session config key (unconfirmed default `immuta.impersonate.user`,
 * see dialect.ts); a profile with `unityCatalog: true` refuses it with Immuta's explanation.
 */
export const driver: PlatformDriver = {
  platform: 'databricks',
  displayName: 'Databricks Spark',
  sqlDialect: 'spark',
  impersonationUnsupported: (profile) => impersonationUnsupported(profile),
  validateUserName: (user) => validateUserName(user),
  classifyStatement: (sql, profile) => classifyStatement(sql, profile),
  open(profile: ConnectionProfile, secret, options) {
    if (profile.platform !== 'databricks') {
      return Promise.reject(new PlatformError('configuration', `The Databricks driver cannot open a ${profile.platform} profile.`));
    }
    return openDatabricksSession(profile, secret, options.logger);
  },
};
