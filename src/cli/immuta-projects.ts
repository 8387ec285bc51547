/**
 * The current Immuta project of each identity a check ran as, for the stamps, when the run is
 * given an Immuta URL (--immuta-url) and an API key (IMMUTA_WORKSHEETS_IMMUTA_API_KEY). A stamp
 * without its project is still a stamp: Immuta not answering fails no case, it says "unknown".
 */
import type { Logger } from '../common/logger';
import { ImmutaClient } from '../immuta/client';
import type { ConnectionProfile } from '../platforms/types';
import { YOURSELF_IDENTITY } from '../checks/types';

export interface ProjectLookup {
  /** A project name, null for none, undefined when Immuta cannot say. */
  projectOf(identity: string, profile: ConnectionProfile): Promise<string | null | undefined>;
  dispose(): void;
}

export function immutaProjectLookup(url: string, apiKey: string, signal: AbortSignal, logger: Logger): ProjectLookup {
  const client = new ImmutaClient({ baseUrl: url, apiKey: () => Promise.resolve(apiKey), log: (line) => logger.debug(`immuta: ${line}`) });
  const cache = new Map<string, Promise<string | null | undefined>>();
  const ask = async (identity: string, profile: ConnectionProfile): Promise<string | null | undefined> => {
    // Yourself: the profile's Immuta user, else the API key's owner (as the extension does).
    const userid = identity === YOURSELF_IDENTITY ? (profile.immutaUser ?? (await client.currentUser(signal)).userid) : identity;
    const user = await client.findUser(userid, signal);
    if (user === undefined || user.projectId === undefined) return undefined;
    if (user.projectId === null) return null;
    return (await client.project(user.projectId, signal))?.name;
  };
  return {
    projectOf: (identity, profile) => {
      const key = `${profile.name}\u0000${identity}`;
      let answer = cache.get(key);
      if (answer === undefined) {
        answer = ask(identity, profile).catch((error: unknown) => {
          logger.warn(`the Immuta project of ${identity} is unknown: ${error instanceof Error ? error.message : String(error)}`);
          return undefined;
        });
        cache.set(key, answer);
      }
      return answer;
    },
    dispose: () => client.dispose(),
  };
}
