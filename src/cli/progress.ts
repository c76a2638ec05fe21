/**
 * A one-line progress bar for long work on a terminal: percentage, rate and ETA, redrawn at most a
 * few times a second. On anything but a terminal it prints nothing, so logs and pipes stay clean.
 *
 * @example
 * const bar = new ProgressBar(process.stderr, 'rows');
 * bar.update(done, total, 'lineitem');
 * bar.finish();
 */
export class ProgressBar {
  private readonly out: NodeJS.WriteStream;
  private readonly unit: string;
  private readonly enabled: boolean;
  private readonly start = performance.now();
  private lastDraw = 0;
  private drawn = false;

  constructor(out: NodeJS.WriteStream, unit: string, enabled: boolean = out.isTTY === true) {
    this.out = out;
    this.unit = unit;
    this.enabled = enabled;
  }

  update(done: number, total: number, label = ''): void {
    if (!this.enabled) return;
    const now = performance.now();
    if (now - this.lastDraw < 100 && done < total) return;
    this.lastDraw = now;
    const width = 28;
    const frac = total > 0 ? Math.min(1, done / total) : 0;
    const filled = Math.round(frac * width);
    const secs = (now - this.start) / 1000;
    const rate = secs > 0 ? done / secs : 0;
    const eta = rate > 0 && total > done ? (total - done) / rate : 0;
    const line =
      `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(frac * 100).toFixed(0).padStart(3)}% ` +
      `${formatCount(rate)} ${this.unit}/s  ETA ${formatDuration(eta)}  ${label}`;
    const cols = this.out.columns ?? 100;
    this.out.write(`\r${line.slice(0, cols - 1).padEnd(Math.min(cols - 1, line.length + 8))}`);
    this.drawn = true;
  }

  /** Clears the bar, leaving the terminal line empty for whatever is printed next. */
  finish(): void {
    if (this.enabled && this.drawn) this.out.write(`\r${' '.repeat((this.out.columns ?? 100) - 1)}\r`);
    this.drawn = false;
  }
}

export function formatCount(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)}G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return n.toFixed(0);
}

export function formatDuration(secs: number): string {
  const s = Math.round(secs);
  const m = Math.floor(s / 60);
  return `${m}:${String(s % 60).padStart(2, '0')}`;
}
