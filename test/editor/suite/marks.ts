/**
 * Named moments of an editor test run (epoch milliseconds), written with the results so that the
 * harness can say how long each phase took. A test marks what only it can see, e.g.
 * `mark('extensionActive')` right after the extension activated.
 */
const marks: Record<string, number> = {};

export function mark(name: string): void {
  if (marks[name] === undefined) {
    marks[name] = Date.now();
  }
}

export function allMarks(): Readonly<Record<string, number>> {
  return { ...marks };
}
