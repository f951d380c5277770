/**
 * Runs a round of background work again and again until stopped: the first round at once, each
 * next one `delayAfter(result)` ms after the previous ended (a failed round is reported and waits
 * `delayAfter(undefined)`). `stop` waits for a round in progress, so a shutdown never cuts one off.
 */
export class RepeatingTask<R> {
  private timer: NodeJS.Timeout | undefined
  private running: Promise<R> | undefined
  private stopped = true

  constructor(
    private readonly round: () => Promise<R>,
    private readonly delayAfter: (result: R | undefined) => number,
    private readonly onError: (err: unknown) => void,
  ) {}

  start(): void {
    if (!this.stopped) return
    this.stopped = false
    const tick = async () => {
      if (this.stopped) return
      let result: R | undefined
      try {
        this.running = this.round()
        result = await this.running
      } catch (err) {
        this.onError(err)
      } finally {
        this.running = undefined
      }
      if (!this.stopped) this.schedule(tick, this.delayAfter(result))
    }
    this.schedule(tick, 0)
  }

  async stop(): Promise<void> {
    this.stopped = true
    if (this.timer) clearTimeout(this.timer)
    await this.running?.catch(() => undefined)
  }

  private schedule(tick: () => Promise<void>, ms: number): void {
    this.timer = setTimeout(() => void tick(), ms)
    this.timer.unref()
  }
}
