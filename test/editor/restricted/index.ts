/**
 * The Restricted Mode suite: the same contract and results as ../suite, run by the editor tier in
 * a second workbench that enforces Workspace Trust and opens a folder it does not trust, whose
 * `.vscode/settings.json` holds a connection, an Immuta URL and a CodeLens switch (see
 * RESTRICTED_WORKSPACE_SETTINGS in run-editor-tier.ts).
 */
import { runSuite } from '../suite/index';

export function run(): Promise<void> {
  return runSuite(__dirname);
}
