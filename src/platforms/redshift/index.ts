import type { ConnectionProfile, PlatformDriver } from '../types';
import { PlatformError } from '../errors';
import { classifyStatement, validateUserName } from './dialect';
import { openRedshiftSession } from './session';

/** Amazon Redshift over node-postgres. Loaded lazily: this module pulls in `pg`. */
export const driver: PlatformDriver = {
  platform: 'redshift',
  displayName: 'Amazon Redshift',
  sqlDialect: 'postgres',
  impersonationUnsupported: () => undefined,
  validateUserName,
  classifyStatement,
  open(profile: ConnectionProfile, secret, options) {
    if (profile.platform !== 'redshift') {
      return Promise.reject(new PlatformError('configuration', `The Redshift driver cannot open a ${profile.platform} profile.`));
    }
    return openRedshiftSession(profile, secret, options.logger);
  },
};
