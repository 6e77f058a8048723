/**
 * Wait prediction for one doctor's queue. Peers quote "people ahead x average duration"; that is
 * wrong in two ways we fix here: it ignores how long the patient now inside has already been in
 * (a consultation 20 minutes in is nearly over, or is a long one), and it gives one number where
 * consultation times are skewed (a point estimate hides a long tail). So we resample the doctor's
 * own recent durations (most weight on today's) and report the median and the 90th percentile.
 */

export interface Range {
  p50: number;
  p90: number;
}

export interface QueueState {
  /** Minutes of this doctor's completed consultations, newest first; today's first. */
  durations: { minutes: number; today: boolean }[];
  /** Minutes the consultation in progress has run, or null when the doctor is free. */
  inProgressElapsed: number | null;
  /** Patients ahead in calling order, including one already called and walking in. */
  queueLength: number;
}

export interface Estimate {
  /** For position i (0 = next to be seen): the wait until that patient's consultation starts. */
  byPosition: Range[];
  /** For a patient checking in now, behind everyone. */
  newArrival: Range;
  basis: { samples: number; meanMinutes: number; inProgressElapsed: number | null };
}

/** A consultation length we assume before a doctor has any history. */
export const defaultMinutes = 15;
const draws = 400;

/** Mulberry32: a small seeded generator, so the same queue always gets the same quote. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function percentile(sorted: number[], p: number): number {
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1));
  return sorted[index]!;
}

/**
 * The samples to resample from: today's consultations count three times, so a doctor running slow
 * today moves the quote; with no history, the default length.
 */
function weightedSamples(durations: QueueState['durations']): number[] {
  const samples = durations.flatMap(({ minutes, today }) => (today ? [minutes, minutes, minutes] : [minutes]));
  return samples.length ? samples : [defaultMinutes];
}

export function estimateWaits(state: QueueState, seed = 1): Estimate {
  const samples = weightedSamples(state.durations);
  const next = random(seed);
  const draw = () => samples[Math.floor(next() * samples.length)]!;
  const remainingOfCurrent = (): number => {
    if (state.inProgressElapsed === null) return 0;
    // Condition on what we know: this consultation has already lasted `elapsed` minutes.
    const longer = samples.filter((m) => m > state.inProgressElapsed!);
    if (longer.length === 0) return Math.max(1, samples.reduce((a, b) => a + b, 0) / samples.length / 4);
    return longer[Math.floor(next() * longer.length)]! - state.inProgressElapsed;
  };
  const positions = state.queueLength + 1;
  const waits: number[][] = Array.from({ length: positions }, () => []);
  for (let d = 0; d < draws; d++) {
    let clock = remainingOfCurrent();
    for (let position = 0; position < positions; position++) {
      waits[position]!.push(clock);
      clock += draw();
    }
  }
  const ranges = waits.map((column) => {
    const sorted = column.sort((a, b) => a - b);
    return { p50: Math.round(percentile(sorted, 0.5)), p90: Math.round(percentile(sorted, 0.9)) };
  });
  return {
    byPosition: ranges.slice(0, state.queueLength),
    newArrival: ranges[state.queueLength]!,
    basis: {
      samples: state.durations.length,
      meanMinutes: Math.round((samples.reduce((a, b) => a + b, 0) / samples.length) * 10) / 10,
      inProgressElapsed: state.inProgressElapsed === null ? null : Math.round(state.inProgressElapsed),
    },
  };
}

/** The peers' figure, kept for comparison in the benchmark: people ahead x mean duration. */
export function naiveWait(state: QueueState, position: number): number {
  const samples = state.durations.map((d) => d.minutes);
  const mean = samples.length ? samples.reduce((a, b) => a + b, 0) / samples.length : defaultMinutes;
  return Math.round((position + (state.inProgressElapsed === null ? 0 : 1)) * mean);
}
