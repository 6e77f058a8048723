import { describe, expect, it } from 'vitest';
import { defaultMinutes, estimateWaits, naiveWait } from '../../server/modules/estimates/wait-estimator';

const history = (minutes: number[], today = false) => minutes.map((m) => ({ minutes: m, today }));

describe('estimateWaits', () => {
  it('quotes nothing to wait for the next patient of a free doctor', () => {
    const estimate = estimateWaits({ durations: history([10, 12, 14]), inProgressElapsed: null, queueLength: 1 });
    expect(estimate.byPosition[0]).toEqual({ p50: 0, p90: 0 });
    expect(estimate.newArrival.p50).toBeGreaterThanOrEqual(10);
  });

  it('grows with the queue and keeps p90 at or above p50', () => {
    const estimate = estimateWaits({ durations: history([8, 10, 12, 15, 30]), inProgressElapsed: 3, queueLength: 5 });
    const p50s = estimate.byPosition.map((r) => r.p50);
    expect([...p50s].sort((a, b) => a - b)).toEqual(p50s);
    for (const range of [...estimate.byPosition, estimate.newArrival]) expect(range.p90).toBeGreaterThanOrEqual(range.p50);
  });

  it('accounts for how long the patient inside has already been in', () => {
    const durations = history([10, 10, 10, 40, 40]);
    const early = estimateWaits({ durations, inProgressElapsed: 1, queueLength: 0 }).newArrival;
    const late = estimateWaits({ durations, inProgressElapsed: 20, queueLength: 0 }).newArrival;
    // Twenty minutes in, this is one of the doctor's long consultations: about 20 more to go.
    expect(late.p50).toBe(20);
    expect(early.p50).toBeLessThan(late.p50);
  });

  it('weighs today more than past days', () => {
    const mixed = [...history([10, 10, 10, 10, 10, 10]), ...history([30, 30], true)];
    const estimate = estimateWaits({ durations: mixed, inProgressElapsed: null, queueLength: 10 });
    const withoutToday = estimateWaits({ durations: history([10, 10, 10, 10, 10, 10, 30, 30]), inProgressElapsed: null, queueLength: 10 });
    expect(estimate.newArrival.p50).toBeGreaterThan(withoutToday.newArrival.p50);
  });

  it('falls back to a default length without history, and is deterministic per seed', () => {
    const state = { durations: [], inProgressElapsed: null, queueLength: 2 };
    expect(estimateWaits(state).newArrival).toEqual({ p50: 2 * defaultMinutes, p90: 2 * defaultMinutes });
    const busy = { durations: history([5, 9, 14, 22, 31]), inProgressElapsed: 4, queueLength: 4 };
    expect(estimateWaits(busy, 7)).toEqual(estimateWaits(busy, 7));
  });
});

describe('naiveWait', () => {
  it('is people ahead times the mean, as the peers quote it', () => {
    expect(naiveWait({ durations: history([10, 20]), inProgressElapsed: null, queueLength: 3 }, 3)).toBe(45);
    expect(naiveWait({ durations: history([10, 20]), inProgressElapsed: 5, queueLength: 3 }, 3)).toBe(60);
  });
});
