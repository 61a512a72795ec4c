/**
 * The base of every error relay-sim throws on purpose: a stable `code` that callers and tests
 * decide on (never the message text), whether retrying can help (`retryable`), the class name as
 * `name` (so logs say which error), and the underlying `cause` when there is one.
 */
export class SimError<C extends string = string> extends Error {
  readonly code: C;
  readonly retryable: boolean;

  constructor(code: C, message: string, options: { readonly retryable?: boolean; readonly cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = options.retryable ?? false;
  }
}
