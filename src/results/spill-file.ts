import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { closeSync, openSync, read as readAt, readdirSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Spill files are named `immuta-results-<pid>-<random>.spill`: the prefix says this extension
 * made them (the startup sweep touches nothing else), the pid says which extension host owns
 * them (the sweep leaves a live window's files alone, as windows may share the folder).
 */
const SPILL_NAME = /^immuta-results-(\d+)-[0-9a-f]{16}\.spill$/;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Where one spilled chunk lies in its file. */
interface SpilledChunk {
  readonly offset: number;
  readonly length: number;
}

/**
 * One result's spill file: chunks of row JSON appended in the order they spill, each found again
 * through an in-memory index (chunk → offset, length), so reading a chunk is one positioned read.
 *
 * Writes are synchronous: a chunk is ~100 KB, which the page cache takes in well under a
 * millisecond, and a synchronous write keeps "evicted from memory" and "readable from the file"
 * one step (no chunk is ever in neither place). Reads are asynchronous (the file may be cold).
 *
 * With `encrypt`, each chunk is sealed with AES-256-GCM under a key made here and held only in
 * this object's memory: the file is `iv | ciphertext | tag` per chunk, unreadable once the
 * window is gone (a crash leaves only ciphertext, which the next start's sweep deletes).
 */
export class SpillFile {
  readonly path: string;
  private fd: number | undefined;
  private size = 0;
  private readonly index = new Map<number, SpilledChunk>();
  private key: Buffer | undefined;
  private closed = false;
  /** Positioned reads made so far (tests check reads stay proportional to the rows asked for). */
  reads = 0;

  constructor(folder: string, encrypt: boolean) {
    this.path = join(folder, `immuta-results-${process.pid}-${randomBytes(8).toString('hex')}.spill`);
    this.key = encrypt ? randomBytes(32) : undefined;
  }

  get encrypted(): boolean {
    return this.key !== undefined;
  }

  /** Bytes written to the file so far. */
  get bytes(): number {
    return this.size;
  }

  has(chunk: number): boolean {
    return this.index.has(chunk);
  }

  /** Appends chunk `chunk`'s text; the caller may drop its copy once this returns. */
  write(chunk: number, text: string): void {
    if (this.closed) throw new Error('the spill file was deleted');
    // Owner-only: the rows are the user's data, whatever the folder's mode.
    this.fd ??= openSync(this.path, 'wx+', 0o600);
    const plain = Buffer.from(text, 'utf8');
    const data = this.key ? seal(this.key, plain) : plain;
    let written = 0;
    while (written < data.length) written += writeSync(this.fd, data, written, data.length - written, this.size + written);
    this.index.set(chunk, { offset: this.size, length: data.length });
    this.size += data.length;
  }

  /** Chunk `chunk`'s text, read back from the file. */
  async read(chunk: number): Promise<string> {
    const place = this.index.get(chunk);
    if (!place || this.fd === undefined || this.closed) throw new Error('the chunk is not in the spill file');
    const data = Buffer.allocUnsafe(place.length);
    const fd = this.fd;
    this.reads++;
    let done = 0;
    while (done < place.length) {
      const count = await new Promise<number>((resolve, reject) =>
        readAt(fd, data, done, place.length - done, place.offset + done, (error, bytes) => (error ? reject(error) : resolve(bytes))),
      );
      if (count === 0) throw new Error('the spill file ended early');
      done += count;
    }
    if (this.closed) throw new Error('the spill file was deleted');
    return (this.key ? open(this.key, data) : data).toString('utf8');
  }

  /** Closes and deletes the file, and forgets the key. Safe to call twice. */
  delete(): void {
    if (this.closed) return;
    this.closed = true;
    this.key = undefined;
    this.index.clear();
    if (this.fd === undefined) return;
    try {
      closeSync(this.fd);
    } finally {
      this.fd = undefined;
      try {
        unlinkSync(this.path);
      } catch {
        // Already gone: nothing to delete.
      }
    }
  }
}

function seal(key: Buffer, plain: Buffer): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(plain), cipher.final()]);
  return Buffer.concat([iv, body, cipher.getAuthTag()]);
}

function open(key: Buffer, sealed: Buffer): Buffer {
  const iv = sealed.subarray(0, IV_BYTES);
  const tag = sealed.subarray(sealed.length - TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES)), decipher.final()]);
}

function alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Deletes spill files a crashed window left in `folder`: only files named as this extension
 * names them, and only those whose owning extension host is no longer running. Returns how many
 * were deleted. A missing folder has nothing to sweep.
 */
export function sweepSpillFolder(folder: string): number {
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch {
    return 0;
  }
  let deleted = 0;
  for (const name of names) {
    const match = SPILL_NAME.exec(name);
    if (!match || alive(Number(match[1]))) continue;
    try {
      unlinkSync(join(folder, name));
      deleted++;
    } catch {
      // Gone already, or not ours to delete: leave it.
    }
  }
  return deleted;
}
