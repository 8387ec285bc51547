import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { dirname } from 'node:path';

/** What went wrong, and where, when the log could not read or write its file. */
export type JsonlLogOperation = 'load' | 'append' | 'compact' | 'clear';

export interface JsonlLogOptions<T> {
  /** Absolute path of the `.jsonl` file; its directory is created on the first write. */
  readonly file: string;
  /** How many records the log keeps (the newest). */
  readonly maxRecords: number;
  /**
   * How many lines the file may hold beyond `maxRecords` before it is rewritten with the newest
   * `maxRecords`. Appending is cheap and rewriting is not, so the file is allowed to overshoot.
   * Default: a quarter of `maxRecords`, at least 16.
   */
  readonly compactionMargin?: number;
  /** Checks one parsed line; returns undefined to treat the line as corrupt. Default: accept. */
  readonly decode?: (value: unknown) => T | undefined;
  /** Receives every read or write failure. The log itself never throws into its callers. */
  readonly onError?: (operation: JsonlLogOperation, error: unknown) => void;
}

export interface JsonlLoadReport {
  /** Records read from the file (before the cap was applied). */
  readonly loaded: number;
  /** Lines that were not valid JSON or that `decode` refused, the torn last line included. */
  readonly corrupt: number;
  /** True when the file ended in an unterminated line that could not be read (an interrupted write). */
  readonly tornTail: boolean;
}

const FILE_MODE = 0o600;
const DIRECTORY_MODE = 0o700;

/**
 * An append-only JSON-lines file of small records, capped at `maxRecords`. The records live in
 * memory as well, so reading never touches the disk. Appends update memory at once and reach the
 * file through one promise chain: writes never overlap, and a burst of appends becomes one write.
 * When the file grows past the cap by the margin it is rewritten (temp file + rename) with the
 * newest records, so a crash mid-rewrite leaves either the old file or the new one.
 */
export class JsonlLog<T> {
  /** Oldest first, at most `maxRecords`. */
  private memory: T[] = [];
  /** Appended in memory, not yet handed to a write. */
  private pending: T[] = [];
  private chain: Promise<void>;
  private drainScheduled = false;
  /** Bumped by `clear()`: work scheduled before a clear must not write records from before it. */
  private epoch = 0;
  /** Lines the file holds as far as we know, corrupt ones included. */
  private fileLines = 0;
  /** The file ends in a line without its newline: the next append must start a new line. */
  private unterminated = false;
  /** A write failed half-way: the file may hold part of a batch, so the next write rewrites it. */
  private rewriteNeeded = false;
  /** The file exists but could not be read: it is only ever appended to, never rewritten. */
  private unreadable = false;
  private readonly margin: number;

  /** Resolves once the file was read; appends made before then are kept after its records. */
  readonly ready: Promise<JsonlLoadReport>;

  constructor(private readonly options: JsonlLogOptions<T>) {
    if (!Number.isInteger(options.maxRecords) || options.maxRecords < 1) {
      throw new RangeError(`maxRecords must be a positive integer, not ${options.maxRecords}`);
    }
    this.margin = Math.max(0, Math.floor(options.compactionMargin ?? Math.max(16, Math.ceil(options.maxRecords / 4))));
    this.ready = this.load();
    this.chain = this.ready.then(() => undefined);
  }

  get file(): string {
    return this.options.file;
  }

  /** Oldest first. The array is a copy. */
  records(): T[] {
    return this.memory.slice();
  }

  get size(): number {
    return this.memory.length;
  }

  /** Keeps the record in memory at once and writes it to the file in the background. */
  append(record: T): void {
    this.memory.push(record);
    if (this.memory.length > this.options.maxRecords) {
      this.memory.splice(0, this.memory.length - this.options.maxRecords);
    }
    this.pending.push(record);
    if (!this.drainScheduled) {
      this.drainScheduled = true;
      const epoch = this.epoch;
      this.enqueue(() => this.drain(epoch));
    }
  }

  /** Resolves once every append and clear made so far reached the file (or failed and was reported). */
  async flush(): Promise<void> {
    // A write that fails schedules nothing new, but appends made while waiting extend the chain.
    let awaited: Promise<void> | undefined;
    while (awaited !== this.chain) {
      awaited = this.chain;
      await awaited;
    }
  }

  /** Forgets every record and empties the file. Resolves to false when the file could not be emptied. */
  clear(): Promise<boolean> {
    this.memory = [];
    this.pending = [];
    this.epoch++;
    // A drain queued before this clear now does nothing; the next append queues one after it.
    this.drainScheduled = false;
    return new Promise<boolean>((resolve) => {
      this.enqueue(async () => {
        try {
          await this.replaceFile([]);
          this.unreadable = false;
          this.rewriteNeeded = false;
          resolve(true);
        } catch (error) {
          this.rewriteNeeded = true;
          this.report('clear', error);
          resolve(false);
        }
      });
    });
  }

  private enqueue(task: () => Promise<void>): void {
    this.chain = this.chain.then(task).catch((error: unknown) => this.report('append', error));
  }

  private async load(): Promise<JsonlLoadReport> {
    const epoch = this.epoch;
    let text: string;
    try {
      text = await fs.readFile(this.options.file, 'utf8');
    } catch (error) {
      if (!isMissingFile(error)) {
        this.unreadable = true;
        this.report('load', error);
      }
      return { loaded: 0, corrupt: 0, tornTail: false };
    }
    const lines = text.split('\n');
    // The text after the last newline is either empty (a clean file) or an unterminated line.
    const tail = lines.pop() ?? '';
    this.unterminated = tail.length > 0;
    const fromDisk: T[] = [];
    let corrupt = 0;
    let tornTail = false;
    const candidates = this.unterminated ? [...lines, tail] : lines;
    candidates.forEach((line, index) => {
      if (line.trim() === '') {
        return;
      }
      this.fileLines++;
      const record = this.parse(line);
      if (record === undefined) {
        corrupt++;
        tornTail = tornTail || (this.unterminated && index === candidates.length - 1);
      } else {
        fromDisk.push(record);
      }
    });
    if (epoch === this.epoch) {
      this.memory = [...fromDisk, ...this.memory].slice(-this.options.maxRecords);
    }
    return { loaded: fromDisk.length, corrupt, tornTail };
  }

  private parse(line: string): T | undefined {
    try {
      const value: unknown = JSON.parse(line);
      return this.options.decode ? this.options.decode(value) : (value as T);
    } catch {
      // Invalid JSON, or a decoder that threw: either way the line cannot be used.
      return undefined;
    }
  }

  private async drain(epoch: number): Promise<void> {
    if (epoch !== this.epoch) {
      return;
    }
    this.drainScheduled = false;
    // Taken in one synchronous step: `memory` then holds exactly what the file holds plus `batch`.
    const batch = this.pending.splice(0);
    if (batch.length === 0) {
      return;
    }
    const snapshot = this.memory.slice();
    const overCap = this.fileLines + batch.length > this.options.maxRecords + this.margin;
    if (!this.unreadable && (overCap || this.rewriteNeeded)) {
      try {
        await this.replaceFile(snapshot);
        this.rewriteNeeded = false;
        return;
      } catch (error) {
        this.rewriteNeeded = true;
        this.report('compact', error);
        return;
      }
    }
    try {
      const prefix = this.unterminated ? '\n' : '';
      await this.appendText(prefix + serialise(batch));
      this.unterminated = false;
      this.fileLines += batch.length;
    } catch (error) {
      // The file may hold part of the batch. The next write rewrites the file from memory, which
      // holds the batch; a file we may not rewrite gets the batch appended again instead.
      this.rewriteNeeded = true;
      this.unterminated = true;
      this.pending.unshift(...batch);
      this.report('append', error);
    }
  }

  private async appendText(text: string): Promise<void> {
    await this.ensureDirectory();
    const handle = await fs.open(this.options.file, 'a', FILE_MODE);
    try {
      await handle.writeFile(text, 'utf8');
    } finally {
      await handle.close();
    }
  }

  private async replaceFile(records: readonly T[]): Promise<void> {
    await this.ensureDirectory();
    const temp = `${this.options.file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      const handle = await fs.open(temp, 'wx', FILE_MODE);
      try {
        await handle.writeFile(serialise(records), 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
      await fs.rename(temp, this.options.file);
    } catch (error) {
      await fs.rm(temp, { force: true }).catch(() => undefined);
      throw error;
    }
    this.fileLines = records.length;
    this.unterminated = false;
  }

  private async ensureDirectory(): Promise<void> {
    await fs.mkdir(dirname(this.options.file), { recursive: true, mode: DIRECTORY_MODE });
  }

  private report(operation: JsonlLogOperation, error: unknown): void {
    try {
      this.options.onError?.(operation, error);
    } catch {
      // A failing reporter must not break the write chain.
    }
  }
}

function serialise<T>(records: readonly T[]): string {
  return records.map((record) => `${JSON.stringify(record)}\n`).join('');
}

/** No such file, or a path component that is not a directory: either way there is no file yet. */
function isMissingFile(error: unknown): boolean {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
