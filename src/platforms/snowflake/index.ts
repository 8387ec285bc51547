import type { ConnectionProfile, PlatformDriver } from '../types';
import { PlatformError } from '../errors';
import { classifyFor, classifyStatement, validateUserName } from './dialect';
import { openSnowflakeSession } from './connect';

/**
 * Snowflake over snowflake-sdk. Loaded lazily: the sdk itself is required only when the first
 * session opens (see sdk.ts for why that order matters).
 */
export const driver: PlatformDriver = {
  platform: 'snowflake',
  displayName: 'Snowflake',
  sqlDialect: 'snowflake',
  impersonationUnsupported: () => undefined,
  validateUserName: (user) => validateUserName(user),
  classifyStatement: (sql, profile) => (profile.platform === 'snowflake' ? classifyFor(sql, profile.impersonationVariable) : classifyStatement(sql)),
  open(profile: ConnectionProfile, secret, options) {
    if (profile.platform !== 'snowflake') {
      return Promise.reject(new PlatformError('configuration', `The Snowflake driver cannot open a ${profile.platform} profile.`));
    }
    return openSnowflakeSession(profile, secret, options.logger);
  },
};
