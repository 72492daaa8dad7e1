/**
 * INFO's client_recent_max_input_buffer and client_recent_max_output_buffer: the largest query
 * buffer (with the arguments it holds) and the largest output beyond the reply buffer that any
 * client had "recently", as Redis 7.0 samples them in its clients cron.
 *
 * Redis keeps eight slots, one per second of the clock (unixtime % 8). Each cron pass raises the
 * current second's slot to what it sees and clears the slot of the next second, so a slot is
 * rewritten from zero every eight seconds and INFO reports the largest of the eight: a peak
 * stays visible for seven to eight seconds after the client shrank or left.
 *
 *   second:  …  13   14   15   16  …        INFO = max of the eight slots
 *   slot:        5    6    7    0           (slot 6 is cleared during second 13)
 */
const SLOTS = 8;

export class RecentClientPeaks {
  private readonly input = new Array<number>(SLOTS).fill(0);
  private readonly output = new Array<number>(SLOTS).fill(0);
  private slot = 0;

  /** Starts a cron pass at `nowMs`: the slot of the current second, the next one cleared. */
  startPass(nowMs: number): void {
    this.slot = Math.floor(nowMs / 1000) % SLOTS;
    const next = (this.slot + 1) % SLOTS;
    this.input[next] = 0;
    this.output[next] = 0;
  }

  /** One client's usage, seen by the current pass. */
  note(inputBytes: number, outputBytes: number): void {
    if (inputBytes > (this.input[this.slot] as number)) this.input[this.slot] = inputBytes;
    if (outputBytes > (this.output[this.slot] as number)) this.output[this.slot] = outputBytes;
  }

  get maxInputBytes(): number {
    return Math.max(...this.input);
  }

  get maxOutputBytes(): number {
    return Math.max(...this.output);
  }
}
