import { impersonationUnavailable } from '../platforms/profile';
import type { ConnectionProfile } from '../platforms/types';

/**
 * Why a comparison on this profile cannot run any side as another identity (a Databricks Unity
 * Catalog workspace, where Immuta has no impersonation), or undefined. Known from the profile's
 * settings alone, so such a side is reported without opening a session for it; the text is the
 * one the status bar and the picker show, so the user reads one explanation everywhere.
 */
export function impersonationUnsupported(profile: ConnectionProfile): string | undefined {
  return impersonationUnavailable(profile);
}
