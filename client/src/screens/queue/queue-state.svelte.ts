import { untrack } from 'svelte';
import { api, messageOf, type PatientProfile, type PrescriptionItem, type ProfessionalQueue, type QueueEntry, type Visit, type VisitDetail } from '../../lib/api';
import type { Envelope } from '../../lib/live/live-client';
import { LiveResource } from '../../lib/state/live-resource.svelte';
import { queueLine } from '../../../../workflows/queue-order';

/** A burst of live events about the visit shown becomes one read of it. */
const detailDebounceMs = 300;

export type VisitAction = 'start' | 'complete' | 'recall' | 'noShow' | 'requeue';

/**
 * The doctor's queue screen: the live queue, which visit the consultation panel shows, and that
 * visit's detail and the patient's history. Every read of a visit or a profile is an audited read of
 * the patient, so each is made once per visit shown, and again only after this screen changed the
 * visit or a live event says someone else did (debounced); never because the screen drew again.
 */
export class QueueState {
  readonly queue: LiveResource<ProfessionalQueue>;
  /** The visit the doctor picked; null follows whoever is in the room or walking in. */
  selectedId = $state<string | null>(null);
  detail = $state<VisitDetail | null>(null);
  profile = $state<PatientProfile | null>(null);
  detailError = $state<string | null>(null);
  /** For the screen reader's live region: arrivals and calls. */
  announcement = $state('');
  calling = $state(false);
  acting = $state<VisitAction | null>(null);

  // Read lazily: the fields are declared before the constructor sets `queue`.
  /** The queue by the rule every screen shows: who waits in calling order, who is called, who is with me. */
  private line = $derived.by(() => queueLine([...(this.queue.data?.visits ?? []), ...(this.queue.data?.inConsultation ?? [])]));
  waiting = $derived(this.line.waiting);
  called = $derived(this.line.called);
  withMe = $derived(this.line.withDoctor);
  /** Who the consultation panel is about: the one chosen, else whoever is in the room or walking in. */
  current = $derived(this.selectedId ?? this.withMe[0]?.visitId ?? this.called[0]?.visitId ?? null);
  /** The patient who must be seen (or marked as not come) before the next is called: the server refuses a call meanwhile. */
  busyWith = $derived<QueueEntry | null>(this.withMe[0] ?? this.called[0] ?? null);

  /** Answers older than the last read asked for are dropped (another visit, or a newer read). */
  private detailRead = 0;
  private detailTimer: ReturnType<typeof setTimeout> | null = null;
  /** The newest version of each visit this screen has read or produced: live echoes of those need no read. */
  private knownVersions = new Map<string, number>();
  /** Waiting tickets last seen, to announce only the new ones; null until the queue first loads. */
  private knownTickets: Set<string> | null = null;

  constructor(private readonly orgId: string) {
    this.queue = new LiveResource<ProfessionalQueue>(
      () => ({ kind: 'doctor-queue', orgId }),
      (signal) => api.queue.mine(orgId, signal),
      { onEvent: (envelope) => this.onEvent(envelope) },
    );
  }

  /**
   * Loads and watches the queue, shows the current visit whenever it changes (by id, not by the
   * queue's objects), and announces arrivals. Returns the function that stops it all (an $effect's
   * cleanup).
   */
  start(): () => void {
    const stopQueue = this.queue.start();
    const stopFollowing = $effect.root(() => {
      $effect(() => {
        const visitId = this.current;
        untrack(() => this.show(visitId));
      });
      $effect(() => {
        if (!this.queue.data) return;
        const tickets = this.waiting.map((v) => v.ticketNumber);
        untrack(() => this.announceArrivals(tickets));
      });
    });
    return () => {
      stopFollowing();
      stopQueue();
      this.cancelScheduledRead();
    };
  }

  /** Calls the head of the queue and shows them; throws the server's refusal. */
  async callNext(): Promise<Visit> {
    this.calling = true;
    try {
      const visit = await api.queue.callNext(this.orgId);
      this.knownVersions.set(visit.id, visit.version);
      this.selectedId = visit.id;
      this.announcement = `${visit.ticketNumber}, ${visit.patientName}, is called to ${visit.room}.`;
      void this.queue.refresh();
      return visit;
    } finally {
      this.calling = false;
    }
  }

  /** Moves the visit shown on; afterwards (also after a refusal) the queue and the visit are read again. */
  async act(kind: VisitAction): Promise<VisitDetail | null> {
    const visit = this.detail;
    if (!visit) return null;
    this.acting = kind;
    try {
      const moved =
        kind === 'start'
          ? (await api.visits.start(this.orgId, visit.id, visit.version)).visit
          : kind === 'complete'
            ? (await api.visits.complete(this.orgId, visit.id, visit.version)).visit
            : await api.visits.send(this.orgId, visit.id, kind, visit.version);
      this.knownVersions.set(moved.id, moved.version);
      // The visit leaves the room: the panel goes back to following the queue.
      if (kind === 'complete' || kind === 'noShow' || kind === 'requeue') this.selectedId = null;
      return visit;
    } finally {
      this.acting = null;
      void this.queue.refresh();
      if (this.current === visit.id) void this.readDetail(visit.id);
    }
  }

  select(visitId: string): void {
    this.selectedId = visitId;
  }

  /** The prescription editor saved: its answer is the visit's prescription now. */
  setPrescription(items: PrescriptionItem[]): void {
    const detail = this.detail;
    if (!detail) return;
    detail.prescription = { id: detail.prescription?.id ?? '', createdAt: detail.prescription?.createdAt ?? new Date().toISOString(), items };
  }

  /** After a treatment was recorded: the history shows it. */
  async reloadProfile(): Promise<void> {
    const patientId = this.detail?.patientId;
    if (!patientId) return;
    const profile = await api.patients.profile(this.orgId, patientId);
    if (this.detail?.patientId === profile.patient.id) this.profile = profile;
  }

  private show(visitId: string | null): void {
    this.cancelScheduledRead();
    this.detailError = null;
    if (this.detail?.id !== visitId) this.detail = null;
    if (visitId === null) {
      this.detailRead += 1;
      return;
    }
    void this.readDetail(visitId);
  }

  private async readDetail(visitId: string): Promise<void> {
    const read = ++this.detailRead;
    try {
      const loaded = await api.visits.get(this.orgId, visitId);
      if (read !== this.detailRead) return;
      this.knownVersions.set(loaded.id, loaded.version);
      this.detail = loaded;
      this.detailError = null;
      if (this.profile?.patient.id !== loaded.patientId) {
        this.profile = null;
        api.patients
          .profile(this.orgId, loaded.patientId)
          .then((profile) => {
            if (this.detail?.patientId === profile.patient.id) this.profile = profile;
          })
          .catch(() => undefined);
      }
    } catch (error) {
      if (read === this.detailRead) this.detailError = messageOf(error);
    }
  }

  /**
   * A change to the visit shown, made elsewhere (the desk, the pharmacy, another tab), is read
   * again; the echo of a change this screen made or already read, and events about other visits,
   * are not.
   */
  private onEvent(envelope: Envelope): void {
    const { visitId, version } = envelope.payload as { visitId?: unknown; version?: unknown };
    if (typeof visitId !== 'string' || visitId !== this.current) return;
    if (typeof version === 'number' && (this.knownVersions.get(visitId) ?? 0) >= version) return;
    this.cancelScheduledRead();
    this.detailTimer = setTimeout(() => {
      this.detailTimer = null;
      if (this.current === visitId) void this.readDetail(visitId);
    }, detailDebounceMs);
  }

  private cancelScheduledRead(): void {
    if (this.detailTimer) clearTimeout(this.detailTimer);
    this.detailTimer = null;
  }

  private announceArrivals(tickets: string[]): void {
    const added = this.knownTickets ? tickets.filter((t) => !this.knownTickets!.has(t)) : [];
    if (added.length) this.announcement = `${added.join(', ')} joined your queue. ${tickets.length} waiting.`;
    this.knownTickets = new Set(tickets);
  }
}
