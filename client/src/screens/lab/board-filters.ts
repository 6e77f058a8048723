import type { CaseFilter } from '../../lib/api/endpoints';
import type { Card } from '../../lib/api';
import { addDays } from './case-rules';

export type DueFilter = '' | 'overdue' | 'today' | '48h' | 'week';

export interface BoardFilters {
  designer: string;
  material: string;
  caseType: string;
  due: DueFilter;
}

export const dueFilterLabels: Record<Exclude<DueFilter, ''>, string> = {
  overdue: 'Overdue',
  today: 'Due today',
  '48h': 'Due within 48 h',
  week: 'Due within 7 days',
};

export const noFilters: BoardFilters = { designer: '', material: '', caseType: '', due: '' };

export function filtersFrom(query: URLSearchParams): BoardFilters {
  const due = query.get('due') ?? '';
  return {
    designer: query.get('designer') ?? '',
    material: query.get('material') ?? '',
    caseType: query.get('caseType') ?? '',
    due: (['overdue', 'today', '48h', 'week'].includes(due) ? due : '') as DueFilter,
  };
}

export const isFiltered = (filters: BoardFilters) => Object.values(filters).some(Boolean);

/** The same filters as GET /board understands them. */
export function serverFilter(filters: BoardFilters, today: string): CaseFilter {
  const filter: CaseFilter = { limit: 500 };
  if (filters.designer) filter.designerId = filters.designer;
  if (filters.material) filter.material = filters.material;
  if (filters.caseType) filter.caseType = filters.caseType;
  if (filters.due === 'overdue') filter.overdue = true;
  if (filters.due === 'today') Object.assign(filter, { dueAfter: today, dueBefore: today });
  if (filters.due === '48h') Object.assign(filter, { dueAfter: today, dueBefore: addDays(today, 2) });
  if (filters.due === 'week') Object.assign(filter, { dueAfter: today, dueBefore: addDays(today, 7) });
  return filter;
}

/** Whether a card belongs on a filtered board; used for cards a live event changed. */
export function matches(card: Card, filters: BoardFilters, today: string): boolean {
  if (filters.designer && card.assignedDesignerId !== filters.designer) return false;
  if (filters.material && card.material !== filters.material) return false;
  if (filters.caseType && card.caseType !== filters.caseType) return false;
  switch (filters.due) {
    case 'overdue':
      return card.dueDate < today && card.status !== 'completed';
    case 'today':
      return card.dueDate === today;
    case '48h':
      return card.dueDate >= today && card.dueDate <= addDays(today, 2);
    case 'week':
      return card.dueDate >= today && card.dueDate <= addDays(today, 7);
    default:
      return true;
  }
}
