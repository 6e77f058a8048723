import { messageOf } from '../api';
import type { Envelope, Topic } from '../live/live-client';
import { live } from './live.svelte';

export interface LiveResourceOptions {
  /** Called for each live event, before the debounced refetch (e.g. to announce it). */
  onEvent?: (envelope: Envelope) => void;
  /** Coalesces bursts of events into one refetch. */
  debounceMs?: number;
}

/**
 * A screen's data that a live topic keeps fresh: the topic's snapshot replaces it, and each event
 * triggers a (debounced) refetch of the same shape through REST. Simple and robust: the events say
 * "something changed", REST says what is true now. A REST load is also made at start, so the
 * screen fills even while the socket is still connecting, and whenever the topic is refused.
 * Answers never go backwards: a load that started before the last applied one is dropped.
 */
export class LiveResource<T> {
  data = $state<T | null>(null);
  error = $state<string | null>(null);
  /** Why live updates are not available for this screen (the topic was refused), if so. */
  refused = $state<string | null>(null);
  /** When the data shown was last known to be current. */
  freshAt = $state<number | null>(null);
  loading = $state(false);
  private appliedAt = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private controller: AbortController | null = null;

  constructor(
    private readonly topic: () => Topic,
    private readonly fetcher: (signal: AbortSignal) => Promise<T>,
    private readonly options: LiveResourceOptions = {},
  ) {}

  /** Starts loading and watching; returns the function that stops both (an $effect's cleanup). */
  start(): () => void {
    void this.refresh();
    const stop = live.watch<T>(this.topic(), {
      snapshot: (snapshot) => this.apply(snapshot, Date.now()),
      event: (envelope) => {
        this.options.onEvent?.(envelope);
        this.schedule();
      },
      refused: (_error, message) => {
        this.refused = message;
      },
    });
    return () => {
      stop();
      this.controller?.abort();
      if (this.timer) clearTimeout(this.timer);
    };
  }

  /** Loads through REST now (after an action of this screen, or "Try again"). */
  async refresh(): Promise<void> {
    const startedAt = Date.now();
    this.controller?.abort();
    const controller = (this.controller = new AbortController());
    this.loading = true;
    try {
      const data = await this.fetcher(controller.signal);
      this.apply(data, startedAt);
      this.error = null;
    } catch (error) {
      if (controller.signal.aborted) return;
      if (this.data === null) this.error = messageOf(error);
    } finally {
      if (this.controller === controller) this.loading = false;
    }
  }

  private apply(data: T, at: number): void {
    if (at < this.appliedAt) return;
    this.appliedAt = at;
    this.data = data;
    this.freshAt = Date.now();
    this.error = null;
  }

  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.refresh();
    }, this.options.debounceMs ?? 200);
  }
}
