/** A reason the command stops before or instead of running checks: printed as is, exit code 2. */
export class CliError extends Error {
  override readonly name: string = 'CliError';
  readonly exitCode = 2;
}

/** A mistake in how the command was called: printed with a pointer to --help. */
export class UsageError extends CliError {
  override readonly name = 'UsageError';
}
