import type { FieldError } from '../../shared/errors';

/** Vital signs as taken at check-in; every reading is optional, blood pressure comes in pairs. */
export interface Vitals {
  heightCm?: number;
  weightKg?: number;
  systolic?: number;
  diastolic?: number;
  pulse?: number;
  temperatureC?: number;
}

/**
 * Physiologically possible ranges (inclusive). Wider than normal on purpose: an abnormal reading is
 * exactly what the doctor must see, so only impossible values (typos, wrong units) are refused.
 */
export const vitalRanges = {
  heightCm: { minimum: 30, maximum: 250, unit: 'cm' },
  weightKg: { minimum: 0.5, maximum: 400, unit: 'kg' },
  systolic: { minimum: 50, maximum: 260, unit: 'mmHg' },
  diastolic: { minimum: 30, maximum: 160, unit: 'mmHg' },
  pulse: { minimum: 20, maximum: 250, unit: 'beats/min' },
  temperatureC: { minimum: 30, maximum: 45, unit: '°C' },
} as const satisfies Record<keyof Vitals, { minimum: number; maximum: number; unit: string }>;

export const vitalNames = Object.keys(vitalRanges) as (keyof Vitals)[];

/** Every problem with a set of vitals, each naming its field under `prefix` (e.g. 'vitals.pulse'). */
export function vitalsProblems(vitals: Vitals, prefix = 'vitals.'): FieldError[] {
  const problems: FieldError[] = [];
  for (const name of vitalNames) {
    const value = vitals[name];
    if (value === undefined) continue;
    const { minimum, maximum, unit } = vitalRanges[name];
    if (typeof value !== 'number' || !Number.isFinite(value) || value < minimum || value > maximum) {
      problems.push({ field: `${prefix}${name}`, message: `must be between ${minimum} and ${maximum} ${unit}` });
    }
  }
  const { systolic, diastolic } = vitals;
  if ((systolic === undefined) !== (diastolic === undefined)) {
    problems.push({ field: `${prefix}${systolic === undefined ? 'systolic' : 'diastolic'}`, message: 'blood pressure needs both systolic and diastolic' });
  } else if (systolic !== undefined && diastolic !== undefined && diastolic >= systolic && !problems.length) {
    problems.push({ field: `${prefix}diastolic`, message: 'must be lower than systolic' });
  }
  return problems;
}
