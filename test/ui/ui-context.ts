/** What the UI flows share with their runner: the workbench page, the lab, the VS Code version. */
import type { ImmutaLab } from '../lab/immuta-server';
import type { LabPostgres } from '../lab/postgres';
import type { SnowflakeLab } from '../lab/snowflake-server';
import type { TdsLab } from '../lab/tds-server';
import type { Workbench } from './workbench';

export interface UiContext {
  readonly version: string;
  readonly workbench: Workbench;
  readonly lab: LabPostgres;
  /** Every folder the VS Code server and its extension host write to (settings, logs, output). */
  readonly serverRoot: string;
  /** The workspace folder (its .vscode/settings.json holds the connections). */
  readonly workspace: string;
  /** The lab's TDS server (plays Synapse), so a flow can kill it mid-query. */
  readonly tds: TdsLab;
  /** The lab's Immuta REST API (the workspace's immutaWorksheets.immuta.url). */
  readonly immuta: ImmutaLab;
  /** The lab's Snowflake server, so a flow can make it ignore the impersonation variable. */
  readonly snowflake: SnowflakeLab;
}

let current: UiContext | undefined;

export function setUiContext(context: UiContext | undefined): void {
  current = context;
}

export function ui(): UiContext {
  if (!current) {
    throw new Error('The UI flows run from test/ui/run-ui-tier.ts, which opens the workbench first.');
  }
  return current;
}
