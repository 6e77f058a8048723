import { describe, expect, it } from 'vitest';
import { defaultMinutes, estimateWaits, naiveWait, type QueueState } from '../../server/modules/estimates/wait-estimator';

const history = (minutes: number[], daysAgo = 1) => minutes.map((m) => ({ minutes: m, daysAgo }));
const queue = (state: Partial<QueueState>): QueueState => ({ durations: [], inProgressElapsed: null, queueLength: 0, calledOrUrgent: 0, checkInDays: [], ...state });

/** Fourteen past days, alternately fast and slow, of the same mix of consultations. */
const unevenDays = Array.from({ length: 14 }, (_, i) => history([8, 10, 12, 10, 9, 11].map((m) => m * (i % 2 ? 1.25 : 0.8)), i + 1)).flat();
/** Check-ins of past days, one in `urgentEvery` of them urgent, one every 10 minutes. */
const checkInDays = (urgentEvery: number) => Array.from({ length: 14 }, () => ({ checkIns: 40, urgent: 40 / urgentEvery, minutes: 390 }));

describe('estimateWaits', () => {
  it('quotes nothing to wait for the next patient of a free doctor', () => {
    const estimate = estimateWaits(queue({ durations: history([10, 12, 14]), queueLength: 1 }));
    expect(estimate.byPosition[0]).toEqual({ p50: 0, p90: 0 });
    expect(estimate.newArrival.p50).toBeGreaterThanOrEqual(10);
  });

  it('grows with the queue and keeps p90 at or above p50', () => {
    const estimate = estimateWaits(queue({ durations: history([8, 10, 12, 15, 30]), inProgressElapsed: 3, queueLength: 5, checkInDays: checkInDays(10) }));
    const p50s = estimate.byPosition.map((r) => r.p50);
    expect([...p50s].sort((a, b) => a - b)).toEqual(p50s);
    for (const range of [...estimate.byPosition, estimate.newArrival]) expect(range.p90).toBeGreaterThanOrEqual(range.p50);
  });

  it('accounts for how long the patient inside has already been in', () => {
    const durations = history([10, 10, 10, 40, 40]);
    const early = estimateWaits(queue({ durations, inProgressElapsed: 1 })).newArrival;
    const late = estimateWaits(queue({ durations, inProgressElapsed: 20 })).newArrival;
    // Twenty minutes in, this is one of the doctor's long consultations: about 20 more to go.
    expect(late.p50).toBe(20);
    expect(early.p50).toBeLessThan(late.p50);
  });

  it('raises the whole quote on a slow day, not only by today’s few consultations', () => {
    const ordinary = estimateWaits(queue({ durations: unevenDays, queueLength: 5 })).newArrival;
    const slowToday = history([15, 13, 16, 14, 15, 17], 0);
    const slow = estimateWaits(queue({ durations: [...slowToday, ...unevenDays], queueLength: 5 })).newArrival;
    // Today runs at 1.5x the usual pace; counting today's six among 84 past ones would move the quote ~5%.
    expect(slow.p50).toBeGreaterThanOrEqual(ordinary.p50 * 1.3);
    expect(slow.p90).toBeGreaterThan(ordinary.p90);
  });

  it('moves the quote less after a slow start than after a slow morning', () => {
    const quoteWith = (slowOnes: number) => estimateWaits(queue({ durations: [...history(Array(slowOnes).fill(15), 0), ...unevenDays], queueLength: 5 })).newArrival.p50;
    expect(quoteWith(2)).toBeLessThan(quoteWith(12));
  });

  it('keeps a plain history for a doctor whose days do not differ', () => {
    const evenDays = Array.from({ length: 14 }, (_, i) => history([8, 10, 12, 10, 9, 11], i + 1)).flat();
    const withToday = estimateWaits(queue({ durations: [...history([15, 15, 15], 0), ...evenDays], queueLength: 5 })).newArrival;
    const pooled = estimateWaits(queue({ durations: [...history([15, 15, 15], 1), ...evenDays], queueLength: 5 })).newArrival;
    expect(withToday).toEqual(pooled);
  });

  it('leaves room for the urgent patients who will check in during the wait', () => {
    const base = { durations: history([10, 12, 14, 9, 11]), inProgressElapsed: 4, queueLength: 6 };
    const none = estimateWaits(queue({ ...base, checkInDays: [{ checkIns: 40, urgent: 0, minutes: 390 }] })).newArrival;
    const some = estimateWaits(queue({ ...base, checkInDays: checkInDays(10) })).newArrival;
    const many = estimateWaits(queue({ ...base, checkInDays: checkInDays(4) })).newArrival;
    expect(some.p50).toBeGreaterThan(none.p50);
    expect(many.p50).toBeGreaterThan(some.p50);
    expect(many.p90).toBeGreaterThan(some.p90);
  });

  it('lets no later urgent patient overtake the called and urgent ones at the head of the queue', () => {
    const base = { durations: history([10, 10, 10]), queueLength: 4, calledOrUrgent: 2 };
    const calm = estimateWaits(queue(base));
    const busy = estimateWaits(queue({ ...base, checkInDays: checkInDays(2) }));
    expect(busy.byPosition.slice(0, 2)).toEqual(calm.byPosition.slice(0, 2));
    expect(busy.byPosition[2]!.p50).toBeGreaterThan(calm.byPosition[2]!.p50);
  });

  it('still ends when a burst of urgent check-ins reads as an absurd rate', () => {
    const burst = [{ checkIns: 6, urgent: 5, minutes: 0.1 }];
    const estimate = estimateWaits(queue({ durations: history([20, 20, 20]), queueLength: 3, checkInDays: burst }));
    expect(Number.isFinite(estimate.newArrival.p90)).toBe(true);
    expect(estimate.newArrival.p50).toBeGreaterThan(60);
  });

  it('falls back to a default length without history, and is deterministic per seed', () => {
    expect(estimateWaits(queue({ queueLength: 2 })).newArrival).toEqual({ p50: 2 * defaultMinutes, p90: 2 * defaultMinutes });
    const busy = queue({ durations: history([5, 9, 14, 22, 31]), inProgressElapsed: 4, queueLength: 4, checkInDays: checkInDays(10) });
    expect(estimateWaits(busy, 7)).toEqual(estimateWaits(busy, 7));
  });
});

describe('naiveWait', () => {
  it('is people ahead times the mean, as the peers quote it', () => {
    expect(naiveWait(queue({ durations: history([10, 20]), queueLength: 3 }), 3)).toBe(45);
    expect(naiveWait(queue({ durations: history([10, 20]), inProgressElapsed: 5, queueLength: 3 }), 3)).toBe(60);
  });
});
