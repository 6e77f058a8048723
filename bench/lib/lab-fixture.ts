/**
 * A busy dental lab, loaded fast (multi-row INSERTs from arrays through the pg driver, not the ORM):
 * an org_admin, 8 designers, 40 dentists and `caseCount` cases, most of them delivered history and a
 * working set open. Deterministic (a seeded generator), so two runs load the same lab.
 * Folded in from the earlier bench/lab-cases.ts.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type pg from 'pg';
import { hashPassword } from '../../server/modules/auth/password';
import { serverTimeZone } from '../../server/shared/time-zone';

export const benchPassword = 'Bench-lab-cases-1';

let seed = 42;
const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

const firstNames = ['Maria', 'Thomas', 'Aiko', 'Samuel', 'Lucia', 'James', 'Fatima', 'Peter', 'Grace', 'Daniel', 'Olga', 'Ahmed', 'Emily', 'Noah', 'Sofia', 'Marcus', 'Isabel', 'Hiroshi', 'Chloe', 'Ravi', 'Anna', 'Kwame', 'Elena', 'Liam', 'Yara', 'Jonas', 'Priya', 'Mateo', 'Ingrid', 'Omar'];
const lastNames = ['Gonzalez', 'Becker', 'Tanaka', 'Okoro', 'Romano', 'Connor', 'Al-Sayed', 'Novak', 'Mensah', 'Kim', 'Petrova', 'Hassan', 'Clarke', 'Williams', 'Lindqvist', 'Brown', 'Costa', 'Sato', 'Martin', 'Patel', 'Schmidt', 'Asante', 'Popescu', 'Murphy', 'Haddad', 'Nielsen', 'Iyer', 'Fernandez', 'Berg', 'Khalil', 'Kowalska', 'Dubois', 'Rossi', 'Yilmaz', 'Andersson', 'Moreau', 'Silva', 'Nakamura', 'Wagner', 'Horvat'];
const materials = ['Zirconia', 'Emax', 'PMMA', 'PFM', 'Gold', 'Cobalt-chrome', 'Clear aligner'];
const caseTypes = ['Crown', 'Bridge', 'Veneer', 'Implant crown', 'Inlay', 'Onlay', 'Night guard', 'Surgical guide', 'Aligner'];
const shades = ['A1', 'A2', 'A3', 'A3.5', 'B1', 'B2', 'C1', 'D2'];
const teeth = ['11', '12', '13', '14', '15', '16', '17', '21', '22', '23', '24', '25', '26', '27', '31', '32', '33', '34', '35', '36', '37', '41', '42', '43', '44', '45', '46', '47'];
const notes = ['Match adjacent teeth', 'Screw-retained on Straumann BLT', 'Patient bruxes, full contour', 'Thin margins, handle with care', 'Rush: wedding on Saturday', 'Shade photo attached', null, null, null];
const partners = ['Precision Milling Partners', 'Northside Dental Studio'];

/** Where the cases of a busy lab sit: most are delivered history, a working set is open. */
const statusMix: [number, string, string][] = [
  [0.08, 'new', 'not_shipped'],
  [0.1, 'in_progress', 'not_shipped'],
  [0.05, 'pending_approval', 'not_shipped'],
  [0.02, 'sent_to_outsource', 'not_shipped'],
  [0.04, 'completed', 'not_shipped'],
  [0.03, 'completed', 'shipped'],
  [0.68, 'completed', 'delivered'],
];

function day(offset: number): string {
  const d = new Date();
  d.setUTCDate(d.getUTCDate() + offset);
  return d.toISOString().slice(0, 10);
}

export interface Lab {
  orgId: string;
  adminEmail: string;
  designerIds: string[];
  dentists: { id: string; name: string }[];
}

/** The lab, its manager, designers and dentists (all with `benchPassword`). */
export async function seedLab(db: pg.Client): Promise<Lab> {
  seed = 42;
  const orgId = randomUUID();
  const hash = await hashPassword(benchPassword);
  await db.query(`insert into orgs (id, kind, name, staff_limits, tooth_numbering, time_zone, created_at) values ($1, 'lab', 'Bench Dental Lab', '{}', 'FDI', $2, now())`, [orgId, serverTimeZone]);
  const addMember = async (role: string, name: string) => {
    const userId = randomUUID();
    const email = `${role}.${randomBytes(3).toString('hex')}@bench.lab`;
    await db.query('insert into users (id, email, password_hash, name, created_at) values ($1, $2, $3, $4, now())', [userId, email, hash, name]);
    await db.query('insert into memberships (id, org_id, user_id, role, created_at) values ($1, $2, $3, $4, now())', [randomUUID(), orgId, userId, role]);
    return { id: userId, email, name };
  };
  const admin = await addMember('org_admin', 'Bench Manager');
  const designers = [];
  for (let i = 0; i < 8; i++) designers.push(await addMember('designer', `Designer ${i + 1}`));
  const dentists = [];
  for (let i = 0; i < 40; i++) dentists.push(await addMember('dentist', `Dr. ${pick(firstNames)} ${pick(lastNames)}`));
  return { orgId, adminEmail: admin.email, designerIds: designers.map((d) => d.id), dentists };
}

/**
 * Inserts `caseCount` cases in batches of multi-row INSERTs built from arrays, then VACUUM ANALYZE
 * (a live database has been vacuumed; the board's counts are index-only scans that need the
 * visibility map). `mix` 'open' puts every case in progress (for the fan-out's small board).
 */
export async function loadCases(db: pg.Client, lab: Lab, caseCount: number, mix: 'lab' | 'open' = 'lab'): Promise<void> {
  const batchSize = 5_000;
  const columns = [
    'id uuid', 'case_number text', 'patient_name text', 'account_number text', 'dentist_name text', 'dentist_user_id uuid',
    'tooth_numbers text', 'shade text', 'material text', 'case_type text', 'notes text', 'due_date date', 'status text',
    'delivery_status text', 'approval_status text', 'assigned_designer_id uuid', 'is_outsourced boolean', 'outsourced_to text',
    'redo_count int', 'completed_at timestamptz', 'created_at timestamptz',
  ];
  for (let start = 0; start < caseCount; start += batchSize) {
    const values: unknown[][] = columns.map(() => []);
    for (let i = start; i < Math.min(caseCount, start + batchSize); i++) {
      let roll = random();
      const [, status, delivery] = mix === 'open' ? [0, 'in_progress', 'not_shipped'] : (statusMix.find(([share]) => (roll -= share) < 0) ?? statusMix.at(-1)!);
      const dentist = pick(lab.dentists);
      const completed = status === 'completed';
      const outsourced = status === 'sent_to_outsource' || (mix === 'lab' && random() < 0.03);
      const designer = status === 'new' || status === 'sent_to_outsource' ? null : pick(lab.designerIds);
      // Open work is due around now; history was due over the last year.
      const due = completed ? -Math.floor(random() * 365) : Math.floor(random() * 40) - 7;
      const row = [
        randomUUID(),
        `CASE-${String(i + 1).padStart(5, '0')}`,
        `${pick(firstNames)} ${pick(lastNames)}`,
        `ACC-${String(10_000 + Math.floor(random() * 90_000))}`,
        dentist.name,
        // The fan-out board's cases have no dentist login, so each change goes to the lab board's room only.
        mix === 'open' ? null : dentist.id,
        Array.from({ length: 1 + Math.floor(random() * 3) }, () => pick(teeth)).filter((t, k, all) => all.indexOf(t) === k).join(','),
        pick(shades),
        pick(materials),
        pick(caseTypes),
        pick(notes),
        day(due),
        status,
        delivery,
        completed ? 'approved' : status === 'pending_approval' ? 'pending' : 'not_submitted',
        designer,
        outsourced,
        outsourced ? pick(partners) : null,
        random() < 0.06 ? 1 : 0,
        completed ? new Date(Date.now() + (due - 1) * 86_400_000).toISOString() : null,
        new Date(Date.now() + (due - 10) * 86_400_000).toISOString(),
      ];
      row.forEach((value, k) => values[k]!.push(value));
    }
    const unnest = columns.map((c, k) => `$${k + 2}::${c.split(' ')[1]}[]`).join(', ');
    const names = columns.map((c) => c.split(' ')[0]);
    await db.query(
      `insert into lab_cases (org_id, ${names.join(', ')}, dentistry_type, shade_system, updated_at, version)
       select $1, ${names.map((n) => (n === 'tooth_numbers' ? `string_to_array(${n}, ',')` : n)).join(', ')}, 'restoration', 'VITA', created_at, 1
         from unnest(${unnest}) as t(${names.join(', ')})`,
      [lab.orgId, ...values],
    );
  }
  await db.query('insert into case_number_counters (org_id, last) values ($1, $2)', [lab.orgId, caseCount]);
  await db.query('vacuum analyze lab_cases');
}

/** The ids of cases in progress (with a designer, at version 1): the transitions' targets. */
export async function casesInProgress(db: pg.Client, orgId: string, limit: number): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(`select id from lab_cases where org_id = $1 and status = 'in_progress' order by id limit $2`, [orgId, limit]);
  return rows.map((r) => r.id);
}

/** Logs in through the API and returns the access token. */
export async function loginToken(base: string, email: string, password = benchPassword): Promise<string> {
  const response = await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
  if (!response.ok) throw new Error(`login failed: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { accessToken: string }).accessToken;
}
