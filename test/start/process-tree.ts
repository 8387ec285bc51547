/**
 * What a process started, read from /proc (Linux): every descendant, however it detached
 * (VS Code's server and the lab's watchdog run in sessions of their own), and every TCP port
 * those processes listen on. A sampler takes this every 100 ms while the process runs, so even
 * a run that fails within a second shows what it had started; afterwards, `survivors()` says
 * what of it is still there.
 *
 * A process counts as gone when its pid is free, belongs to another process (a different start
 * time) or is a zombie (it only waits for a parent to read its exit code).
 */
import * as fs from 'node:fs';

export interface SeenProcess {
  readonly pid: number;
  /** Field 22 of /proc/<pid>/stat: tells a pid's reuse from the process itself. */
  readonly startTime: string;
  readonly command: string;
}

interface Stat {
  readonly ppid: number;
  readonly state: string;
  readonly startTime: string;
}

function readStat(pid: number): Stat | undefined {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command (field 2) is in parentheses and may hold spaces and parentheses itself.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0], ppid: Number(fields[1]), startTime: fields[19] };
}

function commandOf(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim().slice(0, 1000);
  } catch {
    return '?';
  }
}

function allPids(): number[] {
  return fs
    .readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number);
}

/** The process `root` and all its living descendants. */
export function processTree(root: number): SeenProcess[] {
  const children = new Map<number, number[]>();
  const stats = new Map<number, Stat>();
  for (const pid of allPids()) {
    const stat = readStat(pid);
    if (stat) {
      stats.set(pid, stat);
      children.set(stat.ppid, [...(children.get(stat.ppid) ?? []), pid]);
    }
  }
  const found: SeenProcess[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.shift() as number;
    const stat = stats.get(pid);
    if (stat && stat.state !== 'Z') {
      found.push({ pid, startTime: stat.startTime, command: commandOf(pid) });
    }
    queue.push(...(children.get(pid) ?? []));
  }
  return found;
}

/** True while the process is there (same pid and start time) and not a zombie. */
export function isAlive(seen: SeenProcess): boolean {
  const stat = readStat(seen.pid);
  return stat !== undefined && stat.startTime === seen.startTime && stat.state !== 'Z';
}

/** Ports in LISTEN state (IPv4 and IPv6), by socket inode. */
function listeningSockets(): Map<string, number> {
  const sockets = new Map<string, number>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let lines: string[];
    try {
      lines = fs.readFileSync(file, 'utf8').split('\n').slice(1);
    } catch {
      continue;
    }
    for (const line of lines) {
      const fields = line.trim().split(/\s+/);
      if (fields.length > 9 && fields[3] === '0A') {
        sockets.set(fields[9], Number.parseInt(fields[1].split(':')[1], 16));
      }
    }
  }
  return sockets;
}

function socketInodes(pid: number): string[] {
  let fds: string[];
  try {
    fds = fs.readdirSync(`/proc/${pid}/fd`);
  } catch {
    return [];
  }
  const inodes: string[] = [];
  for (const fd of fds) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match) {
        inodes.push(match[1]);
      }
    } catch {
      // closed meanwhile
    }
  }
  return inodes;
}

/** TCP ports the given processes listen on, with the pid of the listener. */
export function listeningPorts(processes: readonly SeenProcess[]): Map<number, number> {
  const sockets = listeningSockets();
  const ports = new Map<number, number>();
  for (const { pid } of processes) {
    for (const inode of socketInodes(pid)) {
      const port = sockets.get(inode);
      if (port !== undefined) {
        ports.set(port, pid);
      }
    }
  }
  return ports;
}

/** The pid of the process listening on a TCP port, if any process is. */
export function listenerOf(port: number): number | undefined {
  const sockets = listeningSockets();
  const inodes = new Set([...sockets].filter(([, listening]) => listening === port).map(([inode]) => inode));
  if (inodes.size === 0) {
    return undefined;
  }
  return allPids().find((pid) => socketInodes(pid).some((inode) => inodes.has(inode)));
}

/** Living processes whose environment holds `entry` (NAME=value): what inherited a marker. */
export function processesWithEnvironment(entry: string): SeenProcess[] {
  const found: SeenProcess[] = [];
  for (const pid of allPids()) {
    if (pid === process.pid) {
      continue;
    }
    try {
      if (!fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(entry)) {
        continue;
      }
    } catch {
      continue;
    }
    const stat = readStat(pid);
    if (stat && stat.state !== 'Z') {
      found.push({ pid, startTime: stat.startTime, command: commandOf(pid) });
    }
  }
  return found;
}

/**
 * Samples the tree below `root` every `everyMs` until stop(): every process seen, and every
 * port one of them listened on (port → the command of its listener).
 */
export class TreeSampler {
  private readonly seen = new Map<string, SeenProcess>();
  private readonly portsSeen = new Map<number, string>();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly root: number, everyMs = 100) {
    this.sample();
    this.timer = setInterval(() => this.sample(), everyMs);
  }

  sample(): void {
    const tree = processTree(this.root);
    for (const found of tree) {
      this.seen.set(`${found.pid}/${found.startTime}`, found);
    }
    for (const [port, pid] of listeningPorts(tree)) {
      this.portsSeen.set(port, tree.find((found) => found.pid === pid)?.command ?? String(pid));
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }

  processes(): SeenProcess[] {
    return [...this.seen.values()];
  }

  ports(): Map<number, string> {
    return new Map(this.portsSeen);
  }
}
