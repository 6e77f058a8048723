import { remakeReasons, type RemakeReason } from '../../../workflows/case.machine';
import { invalid } from '../../shared/errors';
import type { Scope } from '../../shared/scope';
import { UserSchema } from '../auth/user.entity';
import { dayBounds } from '../appointments/clinic-calendar';
import { addDays, localToday } from './lab-cases.service';

export const remakeDimensions = ['designer', 'material', 'caseType', 'outsourcedTo'] as const;
export type RemakeDimension = (typeof remakeDimensions)[number];

interface CountsRow {
  dimension: 'overall' | RemakeDimension;
  key: string | null;
  completed_cases: string;
  remade_cases: string;
  remakes: string;
  adjustments: string;
}

interface ReasonRow {
  dimension: 'overall' | RemakeDimension;
  key: string | null;
  reason: RemakeReason;
  count: string;
}

/**
 * The transitions that count, with the dimensions they are counted by. The designer is the one
 * the case was assigned to when it happened (kept on the transition row), so a remake counts
 * against the work that came back even if the case was reassigned since.
 */
const events = `
  select t.case_id, t.event_type, t.payload->>'reason' as reason, t.designer_id, c.material, c.case_type, c.outsourced_to
    from case_transitions t
    join lab_cases c on c.id = t.case_id
   where t.org_id = ? and t.at >= ? and t.at < ?
     and t.event_type in ('case.approve', 'case.remake', 'case.requestAdjustment')`;

const dimensions = `
  cross join lateral (values
    ('overall', null::text), ('designer', e.designer_id::text), ('material', e.material::text),
    ('caseType', e.case_type::text), ('outsourcedTo', e.outsourced_to::text)
  ) as d(dimension, key)`;

/**
 * Remakes over a date range (days inclusive, in the lab's time zone), overall and by designer, material, case type and
 * outsourced lab. A remake is a remake after delivery or an adjustment requested at approval; the
 * rate is the cases with at least one of them in the range over the cases completed in the range.
 */
export async function remakeAnalytics({ em, caller }: Scope, query: { from?: string; to?: string }) {
  const to = query.to ?? localToday(caller.timeZone);
  const from = query.from ?? addDays(to, -89);
  if (from > to) throw invalid('query.from', 'must not be after query.to');
  const connection = em.getConnection();
  const params = [caller.orgId, dayBounds(from, caller.timeZone).start, dayBounds(to, caller.timeZone).end];
  const counts = await connection.execute<CountsRow[]>(
    `with e as (${events})
     select d.dimension, d.key,
            count(distinct e.case_id) filter (where e.event_type = 'case.approve') as completed_cases,
            count(distinct e.case_id) filter (where e.event_type <> 'case.approve') as remade_cases,
            count(*) filter (where e.event_type = 'case.remake') as remakes,
            count(*) filter (where e.event_type = 'case.requestAdjustment') as adjustments
       from e ${dimensions}
      group by d.dimension, d.key`,
    params,
  );
  const reasons = await connection.execute<ReasonRow[]>(
    `with e as (${events})
     select d.dimension, d.key, e.reason, count(*) as count
       from e ${dimensions}
      where e.event_type = 'case.remake'
      group by d.dimension, d.key, e.reason`,
    params,
  );

  const designerIds = counts.flatMap((r) => (r.dimension === 'designer' && r.key ? [r.key] : []));
  const designers = designerIds.length ? await em.find(UserSchema, { id: { $in: designerIds } }) : [];
  const designerNames = new Map(designers.map((u) => [u.id, u.name]));
  const label = (dimension: CountsRow['dimension'], key: string | null): string => {
    if (dimension === 'designer') return key ? (designerNames.get(key) ?? 'Former designer') : 'Unassigned';
    if (dimension === 'outsourcedTo') return key ?? 'In house';
    return key ?? 'All cases';
  };
  const reasonsOf = (dimension: string, key: string | null) => {
    const found = reasons.filter((r) => r.dimension === dimension && r.key === key);
    return remakeReasons.flatMap((reason) => {
      const count = Number(found.find((r) => r.reason === reason)?.count ?? 0);
      return count ? [{ reason, count }] : [];
    });
  };
  const group = (row: CountsRow) => {
    const completedCases = Number(row.completed_cases);
    const remadeCases = Number(row.remade_cases);
    return {
      key: row.key,
      label: label(row.dimension, row.key),
      completedCases,
      remadeCases,
      remakeRate: completedCases ? Math.round((remadeCases / completedCases) * 10_000) / 10_000 : null,
      remakes: Number(row.remakes),
      adjustments: Number(row.adjustments),
      reasons: reasonsOf(row.dimension, row.key),
    };
  };
  const overallRow = counts.find((r) => r.dimension === 'overall');
  const byDimension = (dimension: RemakeDimension) =>
    counts
      .filter((r) => r.dimension === dimension)
      .map(group)
      .sort((a, b) => b.remakes + b.adjustments - (a.remakes + a.adjustments) || a.label.localeCompare(b.label));
  return {
    from,
    to,
    overall: overallRow
      ? group(overallRow)
      : { key: null, label: 'All cases', completedCases: 0, remadeCases: 0, remakeRate: null, remakes: 0, adjustments: 0, reasons: [] },
    byDesigner: byDimension('designer'),
    byMaterial: byDimension('material'),
    byCaseType: byDimension('caseType'),
    byOutsourcedTo: byDimension('outsourcedTo'),
  };
}
