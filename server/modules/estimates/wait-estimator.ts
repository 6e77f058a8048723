/**
 * Wait prediction for one doctor's queue. Peers quote "people ahead x average duration"; that is
 * wrong in four ways we fix here: it ignores how long the patient now inside has already been in
 * (a consultation 20 minutes in is nearly over, or is a long one); it gives one number where
 * consultation times are skewed (a point estimate hides a long tail); it takes a slow day for an
 * ordinary one; and it forgets the urgent patients who will check in during the wait and go first.
 * So we simulate the queue with the doctor's own recent durations, set to today's pace, add the
 * urgent arrivals the doctor usually gets, and report the median and the 90th percentile.
 */

export interface Range {
  p50: number;
  p90: number;
}

export interface QueueState {
  /** This doctor's completed consultations, newest first: their minutes and clinic day (0 today, 1 yesterday, ...). */
  durations: { minutes: number; daysAgo: number }[];
  /** Minutes the consultation in progress has run, or null when the doctor is free. */
  inProgressElapsed: number | null;
  /** Patients ahead in calling order, including one already called and walking in. */
  queueLength: number;
  /** How many at the head of the queue are called or urgent: an urgent patient checking in later goes behind them and ahead of the rest. */
  calledOrUrgent: number;
  /** The doctor's check-ins per recent clinic day, today's so far included; `minutes` from the day's first check-in to its last. */
  checkInDays: { checkIns: number; urgent: number; minutes: number }[];
}

export interface Estimate {
  /** For position i (0 = next to be seen): the wait until that patient's consultation starts. */
  byPosition: Range[];
  /** For a patient checking in now (not urgent), behind everyone. */
  newArrival: Range;
  basis: { samples: number; meanMinutes: number; inProgressElapsed: number | null };
}

/** A consultation length we assume before a doctor has any history. */
export const defaultMinutes = 15;
const draws = 400;
/**
 * The most of a doctor's time urgent patients are assumed to take. A burst of check-ins read over a
 * short span (a family arriving together, a doctor's first morning) gives an absurd rate, and a queue
 * fed faster than it is seen never empties.
 */
const maxUrgentLoad = 0.5;

/** Mulberry32: a small seeded generator, so the same queue always gets the same quote (and the bench's clinic the same day). */
export function seededRandom(seed: number): () => number {
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

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const mean = (xs: number[]) => sum(xs) / xs.length;

/**
 * The samples to resample from, set to today's pace: each past day's consultations are divided by
 * that day's pace and multiplied by today's. A day's pace is its mean log length against the
 * history's, shrunk towards 1 as far as its few consultations could differ by chance alone (within-
 * day spread against between-day spread, both read from the history): three consultations of a
 * skewed length say little, so a slow start moves the quote a little and a slow morning a lot, and a
 * doctor whose days do not differ keeps the plain history. With no history, the default length.
 */
function pacedSamples(durations: QueueState['durations']): number[] {
  if (!durations.length) return [defaultMinutes];
  const logsByDay = new Map<number, number[]>();
  for (const { minutes, daysAgo } of durations) {
    if (!logsByDay.has(daysAgo)) logsByDay.set(daysAgo, []);
    // A session closed the moment it opened would weigh as minus infinity.
    logsByDay.get(daysAgo)!.push(Math.log(Math.max(minutes, 0.5)));
  }
  const pastDays = [...logsByDay].filter(([daysAgo]) => daysAgo > 0).map(([, logs]) => logs);
  if (pastDays.length < 2) return durations.map((d) => d.minutes);
  const days = [...logsByDay.values()];
  const withinDay = sum(days.map((logs) => sum(logs.map((x) => (x - mean(logs)) ** 2)))) / Math.max(1, durations.length - days.length);
  const historyMean = mean(pastDays.flat());
  const dayMeans = pastDays.map(mean);
  const spreadOfDayMeans = sum(dayMeans.map((m) => (m - mean(dayMeans)) ** 2)) / (pastDays.length - 1);
  const betweenDays = Math.max(0, spreadOfDayMeans - mean(pastDays.map((logs) => withinDay / logs.length)));
  const pace = (logs: number[]) => (betweenDays === 0 ? 0 : ((mean(logs) - historyMean) * logs.length * betweenDays) / (logs.length * betweenDays + withinDay));
  const paceOf = new Map([...logsByDay].map(([daysAgo, logs]) => [daysAgo, pace(logs)]));
  const today = paceOf.get(0) ?? 0;
  return durations.map(({ minutes, daysAgo }) => minutes * Math.exp(today - paceOf.get(daysAgo)!));
}

/** Urgent check-ins per minute: the doctor's share of urgent patients times their check-in rate. */
function urgentPerMinute(days: QueueState['checkInDays']): number {
  const checkIns = sum(days.map((d) => d.checkIns));
  const minutes = sum(days.map((d) => d.minutes));
  if (!checkIns || !minutes) return 0;
  const gaps = sum(days.map((d) => Math.max(0, d.checkIns - 1)));
  return (sum(days.map((d) => d.urgent)) / checkIns) * (gaps / minutes);
}

export function estimateWaits(state: QueueState, seed = 1): Estimate {
  const samples = pacedSamples(state.durations);
  const urgentRate = Math.min(urgentPerMinute(state.checkInDays), maxUrgentLoad / mean(samples));
  const next = seededRandom(seed);
  const draw = () => samples[Math.floor(next() * samples.length)]!;
  const untilUrgent = () => (urgentRate > 0 ? -Math.log(1 - next()) / urgentRate : Infinity);
  const remainingOfCurrent = (): number => {
    if (state.inProgressElapsed === null) return 0;
    // Condition on what we know: this consultation has already lasted `elapsed` minutes.
    const longer = samples.filter((m) => m > state.inProgressElapsed!);
    if (longer.length === 0) return Math.max(1, mean(samples) / 4);
    return longer[Math.floor(next() * longer.length)]! - state.inProgressElapsed;
  };
  const positions = state.queueLength + 1;
  const waits: number[][] = Array.from({ length: positions }, () => []);
  for (let d = 0; d < draws; d++) {
    let clock = remainingOfCurrent();
    let urgentArrival = untilUrgent();
    for (let position = 0; position < positions; position++) {
      // Urgent patients who have checked in by the time the doctor is free go before this one.
      if (position >= state.calledOrUrgent) {
        while (urgentArrival <= clock) {
          clock += draw();
          urgentArrival += untilUrgent();
        }
      }
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
      meanMinutes: Math.round(mean(samples) * 10) / 10,
      inProgressElapsed: state.inProgressElapsed === null ? null : Math.round(state.inProgressElapsed),
    },
  };
}

/** The peers' figure, kept for comparison in the benchmark: people ahead x mean duration. */
export function naiveWait(state: QueueState, position: number): number {
  const samples = state.durations.map((d) => d.minutes);
  const average = samples.length ? mean(samples) : defaultMinutes;
  return Math.round((position + (state.inProgressElapsed === null ? 0 : 1)) * average);
}
