/**
 * Trino sends bigint values as bare JSON numbers, and JSON.parse rounds any integer beyond
 * 2^53 (9007199254740993 becomes 9007199254740992). Node 20 has no JSON.parse source access, so
 * before parsing, integer tokens that a double cannot hold exactly are turned into strings.
 * Only integer tokens (no fraction, no exponent) are touched: Trino writes doubles with a
 * fraction or exponent, and a double is approximate anyway.
 */
export function parseJsonKeepingBigIntegers(text: string): unknown {
  // Fast path: no run of 16+ digits, so no integer can be out of range.
  if (!/\d{16}/.test(text)) {
    return JSON.parse(text);
  }
  return JSON.parse(quoteUnsafeIntegers(text));
}

export function quoteUnsafeIntegers(text: string): string {
  let out = '';
  let copiedUpTo = 0;
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      i = skipString(text, i);
      continue;
    }
    if (c === 0x2d /* - */ || (c >= 0x30 && c <= 0x39)) {
      let end = i + 1;
      while (end < text.length && /[0-9.eE+-]/.test(text[end])) end++;
      const token = text.slice(i, end);
      if (/^-?\d+$/.test(token) && !Number.isSafeInteger(Number(token))) {
        out += `${text.slice(copiedUpTo, i)}"${token}"`;
        copiedUpTo = end;
      }
      i = end;
      continue;
    }
    i++;
  }
  return copiedUpTo === 0 ? text : out + text.slice(copiedUpTo);
}

/** Index just past the string that starts at `start` (a double quote). */
function skipString(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 0x5c /* \ */) {
      i += 2;
    } else if (c === 0x22) {
      return i + 1;
    } else {
      i++;
    }
  }
  return i;
}
