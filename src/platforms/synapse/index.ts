import { PlatformError } from '../errors';
import type { ConnectionProfile, PlatformDriver } from '../types';
import { classifyStatement, validateUserName } from './dialect';
import { openSynapseSession } from './session';

/**
 * Azure Synapse Analytics (dedicated SQL pools) over mssql/tedious. Loaded lazily: this module
 * pulls in mssql, tedious and their Azure dependencies.
 */
export const driver: PlatformDriver = {
  platform: 'synapse',
  displayName: 'Azure Synapse Analytics',
  sqlDialect: 'tsql',
  impersonationUnsupported: () => undefined,
  validateUserName: (user: string) => validateUserName(user),
  classifyStatement: (sql: string) => classifyStatement(sql),
  open(profile: ConnectionProfile, secret, options) {
    if (profile.platform !== 'synapse') {
      return Promise.reject(new PlatformError('configuration', `The Synapse driver cannot open a ${profile.platform} profile.`));
    }
    return openSynapseSession(profile, secret, options.logger);
  },
};
