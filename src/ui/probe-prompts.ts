import * as vscode from 'vscode';
import type { Logger } from '../common/logger';
import type { ConnectionProfile } from '../platforms/types';
import type { AuditEntry } from '../worksheets/worksheet';
import { EFFECT_PROBES_ANCHOR, GUIDE_FILE, shownConnections, UNCONFIRMED_NOTICE_KEY, unconfirmedNoticeFor, type ProbeRefusal } from './probe-messages';
import { COMMANDS } from './status-model';

export const ADD_PROBE = 'Add an Effect Probe\u2026';
export const LEARN_MORE = 'Learn More';
export const EDIT_PROBE = 'Edit Effect Probe\u2026';
export const VERIFY_NOW = 'Verify Now';

/**
 * Says what effect probes are for at the moments they matter: once per connection when a
 * worksheet first impersonates on one that nothing confirms, and every time a probe's
 * disagreement stops a worksheet. Decisions live in probe-messages.ts; this only shows them.
 */
export class ProbePrompts {
  constructor(
    private readonly memento: vscode.Memento,
    private readonly extensionUri: vscode.Uri,
    private readonly logger: Logger,
  ) {}

  /** For every audit entry; `profile` is the one its worksheet holds. */
  observe(entry: AuditEntry, profile: ConnectionProfile | undefined): void {
    const shown = shownConnections(this.memento.get<unknown>(UNCONFIRMED_NOTICE_KEY));
    const notice = unconfirmedNoticeFor(entry, profile, shown);
    if (notice === undefined) return;
    // Remembered before it shows: two worksheets starting at once on the connection tell it once.
    this.memento.update(UNCONFIRMED_NOTICE_KEY, [...shown, notice.connection]).then(undefined, (error: unknown) => this.failed('remembering the notice', error));
    this.logger.info(`told once that impersonation on "${notice.connection}" is applied, not confirmed`);
    this.act(vscode.window.showWarningMessage(notice.message, ADD_PROBE, LEARN_MORE), async (choice) => {
      if (choice === ADD_PROBE) await vscode.commands.executeCommand(COMMANDS.setEffectProbe, notice.connection);
      else if (choice === LEARN_MORE) await this.learnMore();
    });
  }

  /** A probe's disagreement stopped a run, an impersonation or a Verify: say both answers, offer the ways out. */
  refused(refusal: ProbeRefusal): void {
    this.act(vscode.window.showErrorMessage(refusal.message, EDIT_PROBE, VERIFY_NOW), async (choice) => {
      if (choice === EDIT_PROBE) await vscode.commands.executeCommand(COMMANDS.setEffectProbe, refusal.connection);
      else if (choice === VERIFY_NOW) await vscode.commands.executeCommand(COMMANDS.verify);
    });
  }

  /** The user guide's section, in the Markdown preview (offline: the extension ships the guide). */
  async learnMore(): Promise<void> {
    const guide = vscode.Uri.joinPath(this.extensionUri, ...GUIDE_FILE);
    try {
      // How the preview itself opens a link to a heading of another Markdown file.
      await vscode.commands.executeCommand('vscode.openWith', guide.with({ fragment: EFFECT_PROBES_ANCHOR }), 'vscode.markdown.preview.editor');
    } catch (error) {
      this.failed('opening the user guide preview', error);
      await vscode.window.showTextDocument(guide);
    }
  }

  private act(shown: Thenable<string | undefined>, then: (choice: string | undefined) => Promise<void>): void {
    Promise.resolve(shown)
      .then(then)
      .catch((error: unknown) => this.failed('the chosen action', error));
  }

  private failed(what: string, error: unknown): void {
    this.logger.warn(`effect probe prompt: ${what} failed (${error instanceof Error ? error.message : String(error)})`);
  }
}
