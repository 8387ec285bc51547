import type { Disposable } from '../common/events';
import type { Logger } from '../common/logger';
import type { PlatformSession, SessionClosed } from '../platforms/types';

export type ConnectionStatus = 'closed' | 'opening' | 'open' | 'lost';

export interface SessionSlotEvents {
  /** The status changed (opening, open, lost, closed). */
  changed(): void;
  /** The server side ended the current session. */
  lost(event: SessionClosed, session: PlatformSession): void;
}

/**
 * The one session a worksheet may have: opening it, noticing when the server drops it, and
 * closing it (a session found dead is closed too, to release what it holds).
 */
export class SessionSlot {
  private current: PlatformSession | undefined;
  private listener: Disposable | undefined;
  private statusValue: ConnectionStatus = 'closed';

  constructor(
    private readonly events: SessionSlotEvents,
    private readonly logger: Logger,
  ) {}

  get status(): ConnectionStatus {
    return this.statusValue;
  }

  /** The session, while it is alive. */
  live(): PlatformSession | undefined {
    return this.current?.alive ? this.current : undefined;
  }

  /** Opens a session with `connect` and watches it; the caller decides whether it may be used. */
  async open(connect: () => Promise<PlatformSession>): Promise<PlatformSession> {
    this.setStatus('opening');
    let session: PlatformSession;
    try {
      session = await connect();
    } catch (error) {
      this.setStatus('closed');
      throw error;
    }
    this.current = session;
    this.listener = session.onDidClose((event) => {
      if (this.current === session) {
        this.statusValue = 'lost';
        this.events.lost(event, session);
      }
    });
    this.setStatus('open');
    return session;
  }

  /** Forgets the session and closes it. */
  async drop(): Promise<void> {
    const session = this.current;
    this.current = undefined;
    this.listener?.dispose();
    this.listener = undefined;
    this.statusValue = 'closed';
    if (session) {
      try {
        await session.close();
      } catch (error) {
        this.logger.warn(`closing session ${session.id} failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }

  private setStatus(status: ConnectionStatus): void {
    this.statusValue = status;
    this.events.changed();
  }
}
