/**
 * For what `npm start` starts in a session of its own (VS Code's server): should npm start be
 * killed outright (SIGKILL, the OOM killer), no exit hook of it runs and that server would stay
 * up. A small detached `sh` waits for npm start's process to go; then it stops the process group
 * (SIGTERM, SIGKILL after 5 s) and removes the server's folder. On the normal way out it is
 * stopped first, before the server, and does nothing.
 *
 * (The lab PostgreSQL has a watchdog of its own, in test/lab/postgres.ts.)
 */
import { spawn } from 'node:child_process';

const SCRIPT = `
gone() {
  # A zombie (state Z) is gone too: it only waits for its parent to read its exit code.
  case "$(cat "/proc/$1/stat" 2>/dev/null)" in
    "" | *") Z "*) return 0 ;;
    *) return 1 ;;
  esac
}
until gone "$WATCHED_PID"; do sleep 1; done
kill -TERM -"$GROUP_ID" 2>/dev/null
i=0
while kill -0 -"$GROUP_ID" 2>/dev/null && [ "$i" -lt 25 ]; do sleep 0.2; i=$((i + 1)); done
kill -KILL -"$GROUP_ID" 2>/dev/null
rm -rf "$FOLDER"
`;

export interface Watchdog {
  /** Ends the watchdog without it doing anything. */
  stop(): Promise<void>;
}

/**
 * Once process `watched` (default: this one) is gone, stops the process group `groupId` and
 * removes `folder`.
 */
export function watchOverGroup(groupId: number, folder: string, watched: number = process.pid): Watchdog {
  const child = spawn('/bin/sh', ['-c', SCRIPT, 'npm-start-watchdog'], {
    detached: true,
    stdio: 'ignore',
    // Its arguments travel in the environment: nothing else in it, nothing of ours inherited.
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', WATCHED_PID: String(watched), GROUP_ID: String(groupId), FOLDER: folder },
  });
  let failed = false;
  child.once('error', () => (failed = true));
  child.unref();
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  return {
    stop: async () => {
      if (failed || child.exitCode !== null || child.signalCode !== null) {
        return;
      }
      // Its whole group: the sh and the sleep it may be waiting in.
      try {
        process.kill(-(child.pid as number), 'SIGKILL');
      } catch {
        // gone meanwhile
      }
      await exited;
    },
  };
}
