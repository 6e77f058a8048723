import { defineEntity, type InferEntity } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import { caseStatuses, type ApprovalStatus, type CaseStatus, type DeliveryStatus, type RemakeReason } from '../../../workflows/case.machine';
import { shadeSystems } from '../../../workflows/dental-notation';
import { UserSchema } from '../auth/user.entity';
import { OrgSchema } from '../orgs/org.entity';

export const dentistryTypes = ['restoration', 'orthodontics'] as const;
export type DentistryType = (typeof dentistryTypes)[number];
export const caseStatusValues = caseStatuses.map((c) => c.status) as CaseStatus[];
export const approvalStatuses: ApprovalStatus[] = ['not_submitted', 'pending', 'approved', 'changes_requested'];
export const deliveryStatuses: DeliveryStatus[] = ['not_shipped', 'shipped', 'delivered'];

/**
 * The text search looks in: case number, patient, account, dentist and notes. The query must use
 * this exact expression for PostgreSQL to answer an ILIKE from the trigram index below; `||` and
 * coalesce are immutable, which an index expression requires (concat_ws is not).
 */
export const caseSearchText = `(case_number || ' ' || patient_name || ' ' || coalesce(account_number, '') || ' ' || coalesce(dentist_name, '') || ' ' || coalesce(notes, ''))`;

/**
 * A dental case a clinic sent to a lab (seed 000). The columns status, approvalStatus,
 * deliveryStatus, completedAt, redoCount, assignedDesignerId, isOutsourced, outsourcedTo,
 * adjustmentNotes and lastRemake are caseMachine's state and context: only the transition service
 * writes them. `version` guards every write against a concurrent one.
 */
export const LabCaseSchema = defineEntity({
  name: 'LabCase',
  tableName: 'lab_cases',
  properties: (p) => ({
    id: p.uuid().primary().onCreate(() => randomUUID()),
    orgId: p.manyToOne(OrgSchema).mapToPk().fieldName('org_id'),
    /** CASE-00001 style, unique per lab. */
    caseNumber: p.string().length(50),
    patientName: p.string().length(255),
    accountNumber: p.string().length(50).nullable(),
    dentistName: p.string().length(200).nullable(),
    /** The dentist as a member with a login, who then sees the case; null for a dentist known by name only. */
    dentistUserId: p.manyToOne(UserSchema).mapToPk().fieldName('dentist_user_id').nullable(),
    dentistryType: p.enum([...dentistryTypes]).default('restoration'),
    /** In the lab's tooth notation (FDI or Universal) at the time of writing. */
    toothNumbers: p.array().default([]),
    shadeSystem: p.enum([...shadeSystems]).default('VITA'),
    shade: p.string().length(10).default('A1'),
    material: p.string().length(100),
    caseType: p.string().length(100),
    notes: p.text().nullable(),
    dueDate: p.date(),
    status: p.enum(caseStatusValues).default('new'),
    deliveryStatus: p.enum(deliveryStatuses).default('not_shipped'),
    approvalStatus: p.enum(approvalStatuses).default('not_submitted'),
    assignedDesignerId: p.manyToOne(UserSchema).mapToPk().fieldName('assigned_designer_id').nullable(),
    isOutsourced: p.boolean().default(false),
    outsourcedTo: p.string().length(200).nullable(),
    redoCount: p.integer().default(0),
    adjustmentNotes: p.text().nullable(),
    /** The last remake's reason and details, part of the machine's context. */
    lastRemake: p.json<{ reason: RemakeReason; details: string; at: string }>().nullable(),
    completedAt: p.datetime().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()),
    version: p.integer().version(),
  }),
  uniques: [{ properties: ['orgId', 'caseNumber'] }],
  indexes: [
    // The list's and the overdue filter's order: due date, then id for a stable cursor.
    { name: 'lab_cases_org_id_due_date_id_index', properties: ['orgId', 'dueDate', 'id'] },
    // Each board column reads its first cards by due date.
    { name: 'lab_cases_org_id_status_due_date_id_index', properties: ['orgId', 'status', 'dueDate', 'id'] },
    { name: 'lab_cases_org_id_assigned_designer_id_index', properties: ['orgId', 'assignedDesignerId'] },
    // A dentist sees only their own cases, in due-date order.
    { name: 'lab_cases_org_id_dentist_user_id_due_date_index', properties: ['orgId', 'dentistUserId', 'dueDate'] },
    {
      name: 'lab_cases_search_trgm_index',
      expression: `create index "lab_cases_search_trgm_index" on "lab_cases" using gin (${caseSearchText} gin_trgm_ops)`,
    },
  ],
});
export type LabCase = InferEntity<typeof LabCaseSchema>;
