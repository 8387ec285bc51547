/**
 * Where each row of a chunk's JSON text starts and ends (start, end pairs; end exclusive), so
 * that rows can be cut out of the text by index without parsing the chunk: a pull of a sorted
 * result takes a few rows from each of many chunks. A chunk is a JSON array of flat rows of
 * scalars (ResultSet writes it with JSON.stringify), so brackets inside strings are the only trap.
 */
export function rowBounds(text: string): Uint32Array {
  const bounds: number[] = [];
  let depth = 0;
  let start = 0;
  for (let at = 0; at < text.length; at++) {
    const code = text.charCodeAt(at);
    if (code === 0x22 /* " */) {
      // Skip the string, escapes and all.
      for (at++; at < text.length; at++) {
        const inner = text.charCodeAt(at);
        if (inner === 0x5c /* \ */) at++;
        else if (inner === 0x22) break;
      }
    } else if (code === 0x5b /* [ */) {
      depth++;
      if (depth === 2) start = at;
    } else if (code === 0x5d /* ] */) {
      if (depth === 2) bounds.push(start, at + 1);
      depth--;
    }
  }
  return Uint32Array.from(bounds);
}
