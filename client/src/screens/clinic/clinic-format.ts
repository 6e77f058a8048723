import { ApiError, messageOf, type Vitals } from '../../lib/api';

/** "8 min", "1 h 05 min". */
export function minutes(value: number | null | undefined): string {
  if (value === null || value === undefined) return '—';
  const total = Math.max(0, Math.round(value));
  if (total < 60) return `${total} min`;
  return `${Math.floor(total / 60)} h ${String(total % 60).padStart(2, '0')} min`;
}

export const visitStatusLabels: Record<string, string> = {
  checked_in: 'Checked in',
  waiting: 'Waiting',
  called: 'Called',
  in_consultation: 'With the doctor',
  consultation_done: 'Seen',
  printed: 'Prescription printed',
  dispensed: 'Medicines handed over',
  closed: 'Closed',
  cancelled: 'Cancelled',
  no_show: 'Did not come',
  expired: 'Expired',
};

export const appointmentStatusLabels: Record<string, string> = {
  scheduled: 'Booked',
  checked_in: 'Checked in',
  cancelled: 'Cancelled',
  no_show: 'No-show',
  finished: 'Finished',
};

export const genderLabels: Record<string, string> = { female: 'Female', male: 'Male', other: 'Other', undisclosed: 'Not said' };

/** The six readings taken at check-in, with their units and accepted ranges (server/modules/visits/vitals.ts). */
export const vitalFields: { key: keyof Vitals; label: string; unit: string; min: number; max: number; step: string; integer: boolean }[] = [
  { key: 'heightCm', label: 'Height', unit: 'cm', min: 30, max: 250, step: '0.1', integer: false },
  { key: 'weightKg', label: 'Weight', unit: 'kg', min: 0.5, max: 400, step: '0.1', integer: false },
  { key: 'systolic', label: 'Systolic', unit: 'mmHg', min: 50, max: 260, step: '1', integer: true },
  { key: 'diastolic', label: 'Diastolic', unit: 'mmHg', min: 30, max: 160, step: '1', integer: true },
  { key: 'pulse', label: 'Pulse', unit: 'beats/min', min: 20, max: 250, step: '1', integer: true },
  { key: 'temperatureC', label: 'Temperature', unit: '°C', min: 30, max: 45, step: '0.1', integer: false },
];

/** YYYY-MM-DD of a local date. */
export function dayOf(date: Date = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

export function shiftDay(day: string, by: number): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return dayOf(new Date(y, m - 1, d + by));
}

/** "HH:MM" of an instant in local time. */
export function clock(value: string): string {
  return new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', hour12: false }).format(new Date(value));
}

/** Field messages of a 400 keyed by the last part of their path ("vitals.pulse" -> "pulse"). */
export function fieldMessages(fields: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [field, message] of Object.entries(fields)) {
    const key = field.replace(/^body\./, '');
    out[key] ??= message;
    const last = key.split('.').at(-1)!;
    out[last] ??= message;
  }
  return out;
}

/** What a refused form shows: the server's field errors beside their fields, or one problem above them. */
export function submitFailure(error: unknown): { errors: Record<string, string>; problem: string } {
  if (error instanceof ApiError && error.status === 400 && error.fields.length) return { errors: fieldMessages(error.fieldErrors()), problem: 'Check the highlighted fields.' };
  return { errors: {}, problem: messageOf(error) };
}
