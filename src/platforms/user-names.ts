/**
 * Checks every platform makes of an Immuta user name before anything is sent. Each dialect adds
 * its own (header characters, variable sizes) after these.
 */

/** Empty, padded, too long, or holding a control character; undefined when none of these. */
export function commonUserNameProblem(user: string, maxLength: number, tooLong?: (length: number) => string): string | undefined {
  if (user.length === 0) {
    return 'The user name is empty.';
  }
  if (user.trim() !== user) {
    return 'The user name starts or ends with spaces; Immuta user names do not. Remove them and try again.';
  }
  if (user.length > maxLength) {
    return tooLong?.(user.length) ?? `The user name is ${user.length} characters long; at most ${maxLength} are accepted.`;
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(user)) {
    return 'The user name contains a control character (such as a line break or NUL), which no Immuta user name has.';
  }
  return undefined;
}

/** Half of a surrogate pair cannot be encoded for the server (UTF-8 or UTF-16 on the wire). */
export function halfSurrogateProblem(user: string): string | undefined {
  return /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(user)
    ? 'The user name is not well-formed Unicode text (it holds half of a surrogate pair).'
    : undefined;
}
