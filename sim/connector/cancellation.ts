/** The error a cancelled backend call ends with: named as Node's own, so `classify` passes it through. */
export class CancelledError extends Error {
  override readonly name = 'AbortError';
  readonly code = 'ABORT_ERR';
  constructor() {
    super('the relay cancelled the request, or its link dropped');
  }
}

/**
 * One dispatched request's cancellation (the relay's `cancel`, a lost link, shutdown). An
 * AbortController per request and its listener on every backend call cost a connector about 7 % of
 * its CPU in the profile of `npm run bench:http`, so this keeps plain callbacks and makes a real
 * AbortSignal only for the paths that need one (streamed pipelines), when they first ask.
 */
export class Cancellation {
  #cancelled = false;
  #handlers: (() => void)[] = [];
  #controller: AbortController | undefined;

  get cancelled(): boolean {
    return this.#cancelled;
  }

  /** Runs `handler` on cancel (at once if already cancelled). */
  onCancel(handler: () => void): void {
    if (this.#cancelled) handler();
    else this.#handlers.push(handler);
  }

  /** An AbortSignal that follows this cancellation, made on first use. */
  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.#cancelled) this.#controller.abort(new CancelledError());
    }
    return this.#controller.signal;
  }

  cancel(): void {
    if (this.#cancelled) return;
    this.#cancelled = true;
    for (const handler of this.#handlers.splice(0)) handler();
    this.#controller?.abort(new CancelledError());
  }
}
