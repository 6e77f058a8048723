import { describe, expect, it } from 'vitest';
import { ageOn, dateOfBirthProblem, formatRecordNumber, likeContaining } from '../../server/modules/patients/patient-rules';
import { vitalRanges, vitalsProblems } from '../../server/modules/visits/vitals';
import { averageWaitMinutes, doctorTitle, queueSummaryMessage } from '../../server/modules/queue/queue-summary';
import { escapeHtml, renderPrescriptionPage } from '../../server/modules/pharmacy/prescription-page';

describe('age from the date of birth', () => {
  it('counts whole years, turning a year older on the birthday itself', () => {
    expect(ageOn('1990-06-15', '2026-06-14')).toBe(35);
    expect(ageOn('1990-06-15', '2026-06-15')).toBe(36);
    expect(ageOn('1990-06-15', '2026-12-31')).toBe(36);
    expect(ageOn('2026-01-01', '2026-01-01')).toBe(0);
  });

  it('handles 29 February (birthday on 1 March in other years)', () => {
    expect(ageOn('2000-02-29', '2025-02-28')).toBe(24);
    expect(ageOn('2000-02-29', '2025-03-01')).toBe(25);
    expect(ageOn('2000-02-29', '2028-02-29')).toBe(28);
  });

  it('refuses impossible dates of birth', () => {
    expect(dateOfBirthProblem('1990-02-30', '2026-01-01')).toBe('is not a calendar date');
    expect(dateOfBirthProblem('2026-01-02', '2026-01-01')).toBe('cannot be in the future');
    expect(dateOfBirthProblem('1880-01-01', '2026-01-01')).toBe('is more than 130 years ago');
    expect(dateOfBirthProblem('01/02/1990', '2026-01-01')).toBe('must be a date written YYYY-MM-DD');
    expect(dateOfBirthProblem('2026-01-01', '2026-01-01')).toBeNull();
  });
});

describe('record numbers and search text', () => {
  it('writes record numbers with six digits', () => {
    expect(formatRecordNumber(1)).toBe('P-000001');
    expect(formatRecordNumber(123)).toBe('P-000123');
    expect(formatRecordNumber(1_234_567)).toBe('P-1234567');
  });

  it('escapes LIKE wildcards', () => {
    expect(likeContaining('50%_off\\')).toBe('%50\\%\\_off\\\\%');
  });
});

describe('vitals ranges', () => {
  it('accepts the limits themselves and any subset of readings', () => {
    const lowest = Object.fromEntries(Object.entries(vitalRanges).map(([k, r]) => [k, r.minimum]));
    expect(vitalsProblems({ ...lowest, systolic: 90, diastolic: 60 })).toEqual([]);
    expect(vitalsProblems({ heightCm: 250, weightKg: 400, temperatureC: 45, pulse: 250 })).toEqual([]);
    expect(vitalsProblems({})).toEqual([]);
  });

  it.each([
    ['heightCm', 29.9],
    ['heightCm', 251],
    ['weightKg', 0.4],
    ['weightKg', 400.1],
    ['pulse', 19],
    ['pulse', 251],
    ['temperatureC', 29.9],
    ['temperatureC', 45.1],
  ] as const)('names %s when it is %d', (field, value) => {
    expect(vitalsProblems({ [field]: value }).map((p) => p.field)).toEqual([`vitals.${field}`]);
  });

  it('checks blood pressure as a pair, systolic above diastolic, each in range', () => {
    expect(vitalsProblems({ systolic: 49, diastolic: 30 }).map((p) => p.field)).toEqual(['vitals.systolic']);
    expect(vitalsProblems({ systolic: 120, diastolic: 161 }).map((p) => p.field)).toEqual(['vitals.diastolic']);
    expect(vitalsProblems({ systolic: 120 })).toEqual([{ field: 'vitals.diastolic', message: 'blood pressure needs both systolic and diastolic' }]);
    expect(vitalsProblems({ diastolic: 80 })[0]!.field).toBe('vitals.systolic');
    expect(vitalsProblems({ systolic: 100, diastolic: 100 })).toEqual([{ field: 'vitals.diastolic', message: 'must be lower than systolic' }]);
    expect(vitalsProblems({ pulse: Number.NaN })[0]!.field).toBe('vitals.pulse');
  });
});

describe('the queue summary sentence (seed 004)', () => {
  it('reads like the seed for several patients', () => {
    expect(queueSummaryMessage(2, 'Jefferson', 120)).toBe(
      'There are 2 patients waiting for their appointments with Dr. Jefferson today. The average waiting time is ca 2 hours and 0 minutes',
    );
  });

  it('is grammatical for one patient, one hour, one minute, and for an empty queue', () => {
    expect(queueSummaryMessage(1, 'Dr. Ngozi Okafor', 61)).toBe(
      'There is 1 patient waiting for their appointment with Dr. Ngozi Okafor today. The average waiting time is ca 1 hour and 1 minute',
    );
    expect(queueSummaryMessage(0, 'Ana', 0)).toBe('There are 0 patients waiting for their appointments with Dr. Ana today. The average waiting time is ca 0 hours and 0 minutes');
    expect(queueSummaryMessage(3, 'Ana', 89.6)).toContain('ca 1 hour and 30 minutes');
  });

  it('does not double the title', () => {
    expect(doctorTitle('Dr. Jefferson Alves')).toBe('Dr. Jefferson Alves');
    expect(doctorTitle('dr Jefferson')).toBe('Dr. Jefferson');
    expect(doctorTitle('Drew Barry')).toBe('Dr. Drew Barry');
  });

  it('averages the minutes waited so far', () => {
    const now = new Date('2026-03-02T12:00:00Z');
    expect(averageWaitMinutes([], now)).toBe(0);
    expect(averageWaitMinutes([new Date('2026-03-02T11:00:00Z'), new Date('2026-03-02T11:30:00Z')], now)).toBe(45);
    expect(averageWaitMinutes([new Date('2026-03-02T12:05:00Z')], now)).toBe(0);
  });
});

describe('the printable prescription', () => {
  it('escapes everything people typed', () => {
    expect(escapeHtml(`<img src=x onerror="alert('1')">&\``)).toBe('&lt;img src=x onerror=&quot;alert(&#39;1&#39;)&quot;&gt;&amp;&#96;');
    const html = renderPrescriptionPage({
      clinicName: 'Clinic <script>',
      patientName: 'Ana "Lima"',
      recordNumber: 'P-000001',
      patientAge: 36,
      date: '2026-03-02',
      doctorName: 'Dr. O&apos;Neil',
      specialty: 'Orthodontics',
      councilNumber: 'CRO-1',
      ticketNumber: 'A-001',
      items: [{ medicine: '</li><script>alert(1)</script>', dosage: '1', frequency: '2', duration: '3' }],
    });
    expect(html).not.toContain('<script>');
    expect(html).toContain('Clinic &lt;script&gt;');
    expect(html).toContain('Ana &quot;Lima&quot;');
    expect(html).toContain('Dr. O&amp;apos;Neil');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('@media print');
  });
});
