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

/** Where one resident chunk sits in the window's eviction queue. */
interface QueueEntry {
  readonly store: ChunkStore;
  readonly chunk: number;
}

/**
 * The memory budget of one window's results. Every result's chunks count against it; when the
 * total goes over, the oldest chunks in the window (first stored, whichever result they belong
 * to) move to their result's spill file until it fits again.
 *
 * Why oldest first: a queue in arrival order is O(1) per chunk and needs no bookkeeping on reads;
 * the newest chunks are those a streaming result's viewer is looking at (the grid follows rows
 * as they arrive) and those of the latest run, which is the one on screen; older runs and the
 * top of a long result are read again rarely, and then one window at a time, which a positioned
 * read of the file serves in O(rows read).
 */
export class ResultMemory {
  private resident = 0;
  private spilled = 0;
  private queue: QueueEntry[] = [];
  private head = 0;
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
    this.queue = [];
    this.head = 0;
  }

  /** @internal A store took in a chunk. */
  added(store: ChunkStore, chunk: number, bytes: number): void {
    this.resident += bytes;
    this.queue.push({ store, chunk });
    this.fit();
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

  private fit(): void {
    if (this.resident <= this.budget || this.options.spillFolder === undefined || this.spillBroken) return;
    while (this.resident > this.budget && this.head < this.queue.length) {
      const { store, chunk } = this.queue[this.head];
      let moved: number;
      try {
        moved = store.spill(chunk);
      } catch (error) {
        this.spillBroken = true;
        this.options.onSpillError?.(error);
        return;
      }
      this.head++;
      this.resident -= moved;
      this.spilled += moved > 0 ? store.lastSpillBytes : 0;
    }
    // Compacts the queue now and then, so it does not grow with every chunk ever stored.
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
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
  /** @internal Bytes the last spill wrote to the file. */
  lastSpillBytes = 0;

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

  /** Stores a chunk; it may spill at once if the window is over its budget. */
  push(text: string): void {
    if (this.disposed) return;
    const chunk = this.texts.length;
    this.texts.push(text);
    this.residentBytes += text.length;
    // A JSON chunk is mostly one-byte (Latin-1) text, which V8 stores at one byte a character.
    this.memory.added(this, chunk, text.length);
  }

  /** Chunk `chunk`'s text: at once when resident, else read from the spill file. */
  get(chunk: number): string | Promise<string> {
    const text = this.texts[chunk];
    if (text !== undefined) return text;
    if (!this.file || this.disposed) return Promise.reject(new Error('these rows were released'));
    return this.file.read(chunk);
  }

  /** @internal Moves chunk `chunk` to the spill file; returns the bytes freed (0 if none). */
  spill(chunk: number): number {
    const text = this.texts[chunk];
    if (this.disposed || text === undefined) return 0;
    this.file ??= this.memory.spillFile(this.encrypt);
    if (!this.file) return 0;
    const before = this.file.bytes;
    this.file.write(chunk, text);
    this.lastSpillBytes = this.file.bytes - before;
    this.texts[chunk] = undefined;
    this.residentBytes -= text.length;
    return text.length;
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
