/**
 * Fires `onIdle` once when `touch()` has not been called for `ms`: the per-request idle bound on
 * uploads and downloads. Touching restarts the same timer (`refresh()`), so it costs nothing per
 * chunk. `ms` of 0 means no bound.
 */
export class IdleBound {
  readonly #timer: NodeJS.Timeout | undefined;

  constructor(ms: number, onIdle: () => void) {
    this.#timer = ms > 0 ? setTimeout(onIdle, ms) : undefined;
  }

  touch(): void {
    this.#timer?.refresh();
  }

  stop(): void {
    if (this.#timer) clearTimeout(this.#timer);
  }
}
