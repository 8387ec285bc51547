import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { Emitter, type Event } from '../common/events';
import type { ConnectionProfile } from '../platforms/types';
import { Worksheet, type AuditEntry, type WorksheetId, type WorksheetServices, type WorksheetSnapshot } from './worksheet';

/**
 * All open worksheets, keyed by a stable id that outlives URIs: the editor layer maps documents
 * to ids, so a save-as or a rename moves the mapping and keeps the session.
 */
export class WorksheetRegistry {
  private readonly worksheets = new Map<WorksheetId, Worksheet>();
  private readonly subscriptions = new Map<WorksheetId, { dispose(): void }[]>();
  private readonly changeEmitter = new Emitter<WorksheetSnapshot>();
  private readonly auditEmitter = new Emitter<AuditEntry>();

  readonly onDidChange: Event<WorksheetSnapshot> = this.changeEmitter.event;
  readonly onDidAudit: Event<AuditEntry> = this.auditEmitter.event;

  constructor(private readonly services: WorksheetServices) {}

  create(profile?: ConnectionProfile): Worksheet {
    const worksheet = new Worksheet(randomUUID(), this.services, profile);
    this.worksheets.set(worksheet.id, worksheet);
    this.subscriptions.set(worksheet.id, [
      worksheet.onDidChange((snapshot) => this.changeEmitter.fire(snapshot)),
      worksheet.onDidAudit((entry) => this.auditEmitter.fire(entry)),
    ]);
    return worksheet;
  }

  get(id: WorksheetId): Worksheet | undefined {
    return this.worksheets.get(id);
  }

  all(): Worksheet[] {
    return [...this.worksheets.values()];
  }

  /**
   * Hands every worksheet bound to one of `profiles` (by name) that profile's effect probe, when
   * the probe is what changed (see Worksheet.adoptEffectProbe). Resolves to how many took it.
   */
  async adoptEffectProbes(profiles: readonly ConnectionProfile[]): Promise<number> {
    const byName = new Map(profiles.map((profile) => [profile.name, profile]));
    const adopted = await Promise.all(
      this.all().map(async (worksheet) => {
        const current = worksheet.profile;
        const edited = current === undefined ? undefined : byName.get(current.name);
        if (current === undefined || edited === undefined || isDeepStrictEqual(current.effectProbe, edited.effectProbe)) return false;
        // A worksheet closed meanwhile simply does not take it.
        return worksheet.adoptEffectProbe(edited).catch(() => false);
      }),
    );
    return adopted.filter((took) => took).length;
  }

  async close(id: WorksheetId): Promise<void> {
    const worksheet = this.worksheets.get(id);
    if (!worksheet) {
      return;
    }
    this.worksheets.delete(id);
    await worksheet.close();
    for (const subscription of this.subscriptions.get(id) ?? []) {
      subscription.dispose();
    }
    this.subscriptions.delete(id);
  }

  async dispose(): Promise<void> {
    await Promise.allSettled([...this.worksheets.keys()].map((id) => this.close(id)));
    this.changeEmitter.dispose();
    this.auditEmitter.dispose();
  }
}
