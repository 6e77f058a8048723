import { allowedEvents } from '../../../workflows/attempt';
import type { Persisted } from '../../../workflows/attempt';
import { caseMachine, statusOf, type CaseContext, type CaseEventType } from '../../../workflows/case.machine';
import type { Caller as MachineCaller } from '../../../workflows/roles';
import type { Caller } from '../../shared/scope';
import type { LabCase } from './lab-case.entity';

/** The sender a machine event carries for this caller. */
export function actorOf(caller: Caller): MachineCaller {
  return { role: caller.role, userId: caller.userId };
}

/** The machine state value its columns store: `completed.<deliveryStatus>` once completed, else the status. */
export function stateValue(columns: Pick<LabCase, 'status' | 'deliveryStatus'>): string {
  return columns.status === 'completed' ? `completed.${columns.deliveryStatus}` : columns.status;
}

/** The case's machine state as its columns store it. */
export function persistedCase(labCase: LabCase): Persisted<CaseContext> {
  return {
    value: stateValue(labCase),
    context: {
      redoCount: labCase.redoCount,
      approvalStatus: labCase.approvalStatus,
      completedAt: labCase.completedAt ? labCase.completedAt.toISOString() : null,
      assignedDesignerId: labCase.assignedDesignerId ?? null,
      isOutsourced: labCase.isOutsourced,
      outsourcedTo: labCase.outsourcedTo ?? null,
      adjustmentNotes: labCase.adjustmentNotes ?? null,
      deliveryStatus: labCase.deliveryStatus,
      lastRemake: labCase.lastRemake ?? null,
    },
  };
}

/** Copies an accepted machine state onto the columns; returns the names of the columns that changed. */
export function assignState(labCase: LabCase, next: Persisted<CaseContext>): string[] {
  const { context } = next;
  const columns: Partial<LabCase> = {
    status: statusOf(next.value),
    deliveryStatus: context.deliveryStatus,
    approvalStatus: context.approvalStatus,
    completedAt: context.completedAt ? new Date(context.completedAt) : null,
    redoCount: context.redoCount,
    assignedDesignerId: context.assignedDesignerId,
    isOutsourced: context.isOutsourced,
    outsourcedTo: context.outsourcedTo,
    adjustmentNotes: context.adjustmentNotes,
    lastRemake: context.lastRemake,
  };
  const changed: string[] = [];
  const row = labCase as unknown as Record<string, unknown>;
  for (const [key, value] of Object.entries(columns)) {
    if (comparable(row[key]) !== comparable(value)) {
      row[key] = value;
      changed.push(key);
    }
  }
  return changed;
}

function comparable(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  return JSON.stringify(value ?? null);
}

/** What `caller` may send to the case now, per caseMachine's role guards. */
export function allowedFor(labCase: LabCase, caller: Caller): CaseEventType[] {
  return allowedEvents(caseMachine, persistedCase(labCase), actorOf(caller));
}
