import { PlatformError } from '../errors';
import type { ConnectionProfile, PlatformDriver } from '../types';
import { classifyStatement, validateUserName } from './dialect';
import { openTrinoSession } from './session';

/**
 * Starburst (Trino) over trino-client. Loaded lazily: this module pulls in the driver and axios.
 *
 * `validateUserName` and `classifyStatement` take the profile as an optional second argument:
 * what can be sent depends on the impersonation mode, and the statement to recognise on the
 * profile's impersonation property. Without it they assume the documented defaults.
 */
export const driver: PlatformDriver = {
  platform: 'trino',
  displayName: 'Starburst (Trino)',
  sqlDialect: 'trino',
  impersonationUnsupported: () => undefined,
  validateUserName: (user: string, profile?: ConnectionProfile) =>
    validateUserName(user, profile?.platform === 'trino' ? profile.impersonationMode : undefined),
  classifyStatement: (sql: string, profile?: ConnectionProfile) =>
    classifyStatement(sql, profile?.platform === 'trino' ? profile.impersonationProperty : undefined),
  open(profile: ConnectionProfile, secret, options) {
    if (profile.platform !== 'trino') {
      return Promise.reject(new PlatformError('configuration', `The Trino driver cannot open a ${profile.platform} profile.`));
    }
    return openTrinoSession(profile, secret, options.logger);
  },
};
