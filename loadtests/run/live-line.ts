/** What the live line shows each second; totals are cumulative, the line works out the rates. */
export interface LiveSnapshot {
  /** Seconds since the load started. */
  readonly elapsedS: number;
  /** Requests sent and answered (any outcome) so far, all HTTP scenarios. */
  readonly sent: number;
  readonly answered: number;
  /** Failed requests so far by error code. */
  readonly errorsByCode: Readonly<Record<string, number>>;
  /** Each HTTP scenario's p99 over the last complete second (null: nothing answered in it). */
  readonly p99ByScenario: Readonly<Record<string, number | null>>;
  readonly ws?: { readonly open: number; readonly notOpen: number; readonly closesByCode: Readonly<Record<string, number>> } | undefined;
  readonly queueP99Ms?: number | null | undefined;
  readonly faults: number;
}

/**
 * The run's live view: one line, redrawn in place on a terminal (plain lines otherwise, for logs
 * and CI). Rates are what was sent and answered since the last line, over the time that really
 * passed, so a late tick neither inflates nor hides a second; when the tick itself ran late (the
 * process was busy), the line says by how much, instead of pretending to be on time.
 */
export class LiveLine {
  readonly #write: (text: string) => void;
  readonly #tty: boolean;
  readonly #now: () => number;
  #last: { at: number; sent: number; answered: number; errors: Record<string, number> } | undefined;
  #drawn = false;

  constructor(options: { write: (text: string) => void; tty: boolean; now?: () => number }) {
    this.#write = options.write;
    this.#tty = options.tty;
    this.#now = options.now ?? (() => performance.now());
  }

  /** Draws the line for `snapshot`; `expectedMs` is the tick's interval, to report lag against. */
  update(snapshot: LiveSnapshot, expectedMs = 1000): void {
    const at = this.#now();
    const last = this.#last ?? { at: at - expectedMs, sent: 0, answered: 0, errors: {} };
    const dt = Math.max(0.001, (at - last.at) / 1000);
    const rate = (n: number) => Math.round(n / dt);
    const errors = Object.entries(snapshot.errorsByCode)
      .map(([code, n]) => [code, n - (last.errors[code] ?? 0)] as const)
      .filter(([, n]) => n > 0)
      .map(([code, n]) => `${code} ${n}`);
    const p99 = Object.entries(snapshot.p99ByScenario).map(([name, v]) => `${name} p99 ${v === null ? '–' : `${v.toFixed(1)} ms`}`);
    const parts = [
      `${String(Math.round(snapshot.elapsedS)).padStart(4)}s`,
      `sent ${rate(snapshot.sent - last.sent)}/s`,
      `answered ${rate(snapshot.answered - last.answered)}/s`,
      ...p99,
      errors.length ? `errors: ${errors.join(', ')}` : '0 errors',
    ];
    if (snapshot.ws) {
      const closes = Object.entries(snapshot.ws.closesByCode).map(([code, n]) => `${code}×${n}`);
      parts.push(`ws ${snapshot.ws.open} open, ${snapshot.ws.notOpen} connecting${closes.length ? `, closed ${closes.join(' ')}` : ''}`);
    }
    if (snapshot.queueP99Ms !== null && snapshot.queueP99Ms !== undefined) parts.push(`queue p99 ${snapshot.queueP99Ms} ms`);
    parts.push(`${snapshot.faults} fault(s)`);
    const lagMs = at - last.at - expectedMs;
    if (this.#last && lagMs > 200) parts.push(`(this line ${(lagMs / 1000).toFixed(1)} s late: the runner was busy)`);
    this.#last = { at, sent: snapshot.sent, answered: snapshot.answered, errors: { ...snapshot.errorsByCode } };
    this.#draw(parts.join('  '));
  }

  /** A message between live lines: on a terminal the live line is cleared first, then redrawn by the next update. */
  message(text: string): void {
    if (this.#tty && this.#drawn) this.#write('\r\x1b[2K');
    this.#drawn = false;
    this.#write(`${text}\n`);
  }

  /** Leaves the last live line on screen. */
  end(): void {
    if (this.#tty && this.#drawn) this.#write('\n');
    this.#drawn = false;
  }

  #draw(line: string): void {
    if (this.#tty) {
      this.#write(`\r\x1b[2K${line}`);
      this.#drawn = true;
    } else this.#write(`${line}\n`);
  }
}
