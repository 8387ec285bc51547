/**
 * Decides when a file is the save-as of an untitled worksheet, so that the file takes over the
 * untitled document's session and identity. VS Code has no save-as event: a save-as shows up as
 * the target file opening and being saved, and the untitled document closing (before or after
 * the save), moments apart.
 *
 * Adoption needs evidence of all of that, never a coincidence: the file must have been *opened
 * and saved* within a short window of the untitled document closing (creating a file in the
 * explorer opens it but saves nothing; Ctrl+S on a file open for long saves it but opens nothing),
 * with exactly the untitled document's text; the text must not be blank (every new document
 * starts empty); and exactly one candidate may match on each side. When in doubt nothing is
 * adopted and the file starts as yourself, which is always safe.
 */
export interface SaveAsEvidenceOptions {
  /** How far apart the close and the save may be. */
  readonly windowMs: number;
  readonly now?: () => number;
}

interface Seen {
  readonly text: string;
  readonly at: number;
}

export class SaveAsEvidence {
  private readonly closedUntitled = new Map<string, Seen>();
  private readonly savedFiles = new Map<string, Seen>();
  private readonly openedFiles = new Map<string, number>();

  constructor(private readonly options: SaveAsEvidenceOptions) {}

  /**
   * An untitled worksheet's last tab closed with `text`. Returns the file that was just saved
   * with that text (its save came first), or undefined; then it waits for such a save.
   */
  untitledClosed(untitledKey: string, text: string): string | undefined {
    this.expire();
    if (isBlank(text)) {
      return undefined;
    }
    const matches = [...this.savedFiles].filter(([, saved]) => saved.text === text);
    if (matches.length === 1) {
      const [fileKey] = matches[0];
      this.savedFiles.delete(fileKey);
      return fileKey;
    }
    // Two saves with the same text: ambiguous. Neither is adopted, and this close waits for no one.
    if (matches.length === 0) {
      this.closedUntitled.set(untitledKey, { text, at: this.now() });
    }
    return undefined;
  }

  /** A file was opened (a save-as opens its target before saving it). */
  fileOpened(fileKey: string): void {
    this.expire();
    this.openedFiles.set(fileKey, this.now());
  }

  /**
   * A file was saved with `text`. Returns the untitled worksheet that closed with that text just
   * before (its close came first), or undefined; then it waits for such a close.
   */
  fileSaved(fileKey: string, text: string): string | undefined {
    this.expire();
    if (isBlank(text) || !this.openedFiles.has(fileKey)) {
      return undefined;
    }
    this.openedFiles.delete(fileKey);
    const matches = [...this.closedUntitled].filter(([, closed]) => closed.text === text);
    if (matches.length === 1) {
      const [untitledKey] = matches[0];
      this.closedUntitled.delete(untitledKey);
      return untitledKey;
    }
    if (matches.length === 0) {
      this.savedFiles.set(fileKey, { text, at: this.now() });
    } else {
      // Several untitled worksheets closed with this text: which one was saved cannot be told.
      for (const [untitledKey] of matches) this.closedUntitled.delete(untitledKey);
    }
    return undefined;
  }

  /** The untitled worksheet was closed for good (or revived): it can no longer be adopted. */
  forgetUntitled(untitledKey: string): void {
    this.closedUntitled.delete(untitledKey);
  }

  private expire(): void {
    const oldest = this.now() - this.options.windowMs;
    for (const map of [this.closedUntitled, this.savedFiles]) {
      for (const [key, seen] of map) {
        if (seen.at < oldest) map.delete(key);
      }
    }
    for (const [key, at] of this.openedFiles) {
      if (at < oldest) this.openedFiles.delete(key);
    }
  }

  private now(): number {
    return this.options.now ? this.options.now() : Date.now();
  }
}

function isBlank(text: string): boolean {
  return text.trim() === '';
}
