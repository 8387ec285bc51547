import { mkdirSync } from 'node:fs';
import { SpillFile } from './spill-file';

export interface ResultMemoryOptions {
  /** Row text the window's results may hold in memory, in bytes (Infinity: no budget). */
  readonly budgetBytes: number;
  /** The folder spill files go to; without one, nothing spills and the budget is advisory. */
  readonly spillFolder?: string;
  /**
   * A spill could not be written (disk full, folder not writable). Spilling stops for the
   * window and rows stay in memory: losing rows or failing the statement would be worse.
   */
  readonly onSpillError?: (error: unknown) => void;
}

/** How a result asks for its chunk store. */
export interface ChunkStoreOptions {
  /** Spill under a per-result key held only in memory (results that must not reach the disk readable). */
  readonly encrypt: boolean;
}

/**
 * The memory budget of one window's results. Every result's chunks count against it; once it is
 * full, each new chunk goes straight to its result's spill file, and what is in memory stays
 * there until its result is discarded (which makes room for the chunks that follow).
 *
 * Why the newest chunks spill rather than the oldest: measured with 10,000,000 rows under a
 * 256 MB budget (npm run bench, "Result store"), moving the oldest chunks out left every evicted
 * string as garbage in V8's old space (they had lived long enough to be promoted), and the heap
 * peaked at 621 MB sampled, 2.4× the budget, before the collector caught up. A chunk written
 * through as it is made dies young, in the scavenger's cheap space: the same run peaked at
 * 403 MB (1.6×) and stored in 24 s instead of 45 s. It also suits how results are read: the
 * first rows of a result, where every grid opens, stay in memory; rows further down are read a
 * window at a time by positioned reads (from the page cache, as they were just written), in
 * O(rows read). The cost: while an older worksheet's results fill the budget, a new result
 * spills from its first chunk, until those results are discarded.
 */
export class ResultMemory {
  private resident = 0;
  private spilled = 0;
  private readonly stores = new Set<ChunkStore>();
  private folderReady = false;
  private spillBroken = false;

  private budget: number;

  constructor(private readonly options: ResultMemoryOptions) {
    this.budget = options.budgetBytes;
  }

  /** A new budget (the setting changed); applies as chunks are next stored. */
  setBudget(bytes: number): void {
    this.budget = bytes;
  }

  /** Bytes of row text held in memory by every live result of the window. */
  get residentBytes(): number {
    return this.resident;
  }

  /** Bytes written to spill files by live results (encrypted chunks count their overhead). */
  get spilledBytes(): number {
    return this.spilled;
  }

  get budgetBytes(): number {
    return this.budget;
  }

  /** A chunk store for one result, sharing this window's budget. */
  open(options: ChunkStoreOptions): ChunkStore {
    const store = new ChunkStore(this, options.encrypt);
    this.stores.add(store);
    return store;
  }

  /** Deletes every result's spill file and frees every chunk (the window is closing). */
  dispose(): void {
    for (const store of [...this.stores]) store.dispose();
  }

  /**
   * @internal Where a new chunk of `bytes` goes: memory while the budget has room, else the
   * spill file (when there is a folder and spilling works).
   */
  place(bytes: number): 'memory' | 'file' {
    if (this.resident + bytes <= this.budget || this.options.spillFolder === undefined || this.spillBroken) return 'memory';
    return 'file';
  }

  /** @internal A store kept a chunk in memory. */
  kept(bytes: number): void {
    this.resident += bytes;
  }

  /** @internal A store wrote a chunk to its spill file. */
  wrote(bytes: number): void {
    this.spilled += bytes;
  }

  /** @internal Writing a spill failed: spilling stops for the window, rows stay in memory. */
  failed(error: unknown): void {
    this.spillBroken = true;
    this.options.onSpillError?.(error);
  }

  /** @internal A store let go of resident and spilled bytes (it was disposed). */
  released(store: ChunkStore, residentBytes: number, spilledBytes: number): void {
    this.resident -= residentBytes;
    this.spilled -= spilledBytes;
    this.stores.delete(store);
  }

  /** @internal A store's file for spills, in the window's folder. */
  spillFile(encrypt: boolean): SpillFile | undefined {
    const folder = this.options.spillFolder;
    if (folder === undefined) return undefined;
    if (!this.folderReady) {
      mkdirSync(folder, { recursive: true, mode: 0o700 });
      this.folderReady = true;
    }
    return new SpillFile(folder, encrypt);
  }
}

/**
 * One result's chunks of row JSON: in memory, or (once the window's budget is exceeded) in the
 * result's spill file. Reading a resident chunk is synchronous; a spilled one, a positioned read.
 */
export class ChunkStore {
  /** Each chunk's text while resident; undefined once spilled. */
  private texts: (string | undefined)[] = [];
  private residentBytes = 0;
  private file: SpillFile | undefined;
  private disposed = false;

  constructor(
    private readonly memory: ResultMemory,
    private readonly encrypt: boolean,
  ) {}

  get count(): number {
    return this.texts.length;
  }

  /** Chunks that live in the spill file. */
  get spilledChunks(): number {
    return this.texts.reduce((count, text) => count + (text === undefined ? 1 : 0), 0);
  }

  /** The spill file, once something spilled (tests look at its bytes). */
  get spillFile(): SpillFile | undefined {
    return this.file;
  }

  /** Stores a chunk: in memory while the window's budget has room, else in the spill file. */
  push(text: string): void {
    if (this.disposed) return;
    const chunk = this.texts.length;
    // A JSON chunk is mostly one-byte (Latin-1) text, which V8 stores at one byte a character.
    if (this.memory.place(text.length) === 'file' && this.spill(chunk, text)) {
      this.texts.push(undefined);
      return;
    }
    this.texts.push(text);
    this.residentBytes += text.length;
    this.memory.kept(text.length);
  }

  /** Chunk `chunk`'s text: at once when resident, else read from the spill file. */
  get(chunk: number): string | Promise<string> {
    const text = this.texts[chunk];
    if (text !== undefined) return text;
    if (!this.file || this.disposed) return Promise.reject(new Error('these rows were released'));
    return this.file.read(chunk);
  }

  /** Writes chunk `chunk` to the spill file; false (and rows stay in memory) if it cannot. */
  private spill(chunk: number, text: string): boolean {
    try {
      this.file ??= this.memory.spillFile(this.encrypt);
      if (!this.file) return false;
      const before = this.file.bytes;
      this.file.write(chunk, text);
      this.memory.wrote(this.file.bytes - before);
      return true;
    } catch (error) {
      this.memory.failed(error);
      return false;
    }
  }

  /** Frees the chunks and deletes the spill file. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    const spilled = this.file?.bytes ?? 0;
    this.file?.delete();
    this.texts = [];
    this.memory.released(this, this.residentBytes, spilled);
    this.residentBytes = 0;
  }
}
