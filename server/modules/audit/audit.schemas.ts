import { Type, type TSchema } from 'typebox';
import { Limit, Uuid } from '../../shared/http-schemas';
import { auditActions } from './audit-actions';

const Instant = Type.String({ format: 'date-time' });
const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const AuditListQuery = Type.Object(
  {
    patientId: Type.Optional(Uuid),
    actorUserId: Type.Optional(Uuid),
    action: Type.Optional(Type.Union(auditActions.map((action) => Type.Literal(action)))),
    day: Type.Optional(Type.String({ format: 'date', description: "A calendar day in the org's time zone, YYYY-MM-DD" })),
    entityType: Type.Optional(Type.String({ maxLength: 60 })),
    entityId: Type.Optional(Type.String({ maxLength: 80 })),
    from: Type.Optional(Instant),
    to: Type.Optional(Instant),
    limit: Limit,
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);

const ReadBody = Type.Object({ id: Uuid, at: Instant, sections: Type.Array(Type.String()) });

export const AuditEntryBody = Type.Object({
  id: Uuid,
  orgId: Nullable(Uuid),
  actorUserId: Nullable(Uuid),
  actorRole: Nullable(Type.String()),
  actorName: Nullable(Type.String({ description: 'Null for the system (background jobs)' })),
  action: Type.String(),
  entityType: Type.String(),
  entityId: Nullable(Type.String()),
  entityIds: Type.Array(Type.String(), { description: 'The records a read showed when it showed several (a search), entityId being null' }),
  changedFields: Type.Array(Type.String(), { description: 'Names of the fields a change wrote; for a read, the sections it showed' }),
  requestId: Nullable(Type.String()),
  ip: Nullable(Type.String()),
  at: Instant,
  patient: Nullable(
    Type.Object(
      { id: Uuid, name: Nullable(Type.String()) },
      { description: "The patient the row is about (through their visit, appointment, prescription…); for a search, the filtered patient it listed" },
    ),
  ),
  subject: Nullable(Type.String({ description: "What else the row is about, in words: a case number, a staff member's or professional's name, an invited address, a display's or the org's name" })),
  subjectRole: Nullable(Type.String({ description: 'The role an invitation offers, or the role a membership change gave when no later change has replaced it' })),
  subjectActive: Nullable(Type.Boolean({ description: 'Whether a membership change left the membership active, when no later change has replaced it' })),
  toState: Nullable(Type.String({ description: 'The state a lab case transition moved the case to' })),
  reads: Nullable(
    Type.Object(
      { count: Type.Integer(), firstAt: Instant, items: Type.Array(ReadBody, { description: 'The newest 100' }) },
      { description: "Several reads of one patient's record by one person folded into this entry, newest first; changedFields is then every section they showed" },
    ),
  ),
});

export const AuditPageBody = Type.Object({
  items: Type.Array(AuditEntryBody),
  nextCursor: Nullable(Type.String()),
  patient: Type.Optional(Type.Object({ id: Uuid, name: Nullable(Type.String()) }, { description: 'The patient the page is filtered to' })),
});
