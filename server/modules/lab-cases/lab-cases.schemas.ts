import { Type, type TSchema } from 'typebox';
import { caseEventRoles, remakeReasons, type CaseEventType } from '../../../workflows/case.machine';
import { shadeSystems } from '../../../workflows/dental-notation';
import { Limit, Uuid } from '../../shared/http-schemas';
import { attachmentKinds } from './case-attachment.entity';
import { approvalStatuses, caseStatusValues, deliveryStatuses, dentistryTypes } from './lab-case.entity';

export const caseEventTypes = Object.keys(caseEventRoles) as CaseEventType[];

// Null first: with type coercion on, a string branch tried first would turn null into ''.
const Nullable = <T extends TSchema>(schema: T) => Type.Union([Type.Null(), schema]);
const DateOnly = Type.String({ format: 'date' });
const DateTime = Type.String({ format: 'date-time' });
// PostgreSQL cannot store NUL in text; one-line fields (names, numbers, materials) take no control characters at all.
/** One line of text, possibly empty. */
const Line = (maxLength: number) => Type.String({ maxLength, pattern: '^[^\\u0000-\\u001f\\u007f]*$' });
/** One line with at least one non-space character (which also rules out the empty string). */
const Filled = (maxLength: number) => Type.String({ maxLength, pattern: '^(?=.*\\S)[^\\u0000-\\u001f\\u007f]*$' });
/** Free text over several lines (notes, details). */
const Text = (maxLength: number) => Type.String({ maxLength, pattern: '^[^\\u0000]*$' });

export const CaseStatusName = Type.Enum(caseStatusValues);
const EventType = Type.Enum(caseEventTypes);
const ToothNumbers = Type.Array(Type.String({ minLength: 1, maxLength: 3 }), { maxItems: 52 });
const LastRemake = Nullable(Type.Object({ reason: Type.Enum(remakeReasons), details: Type.String(), at: Type.String() }));

export const CaseParams = Type.Object({ orgId: Type.String(), caseId: Uuid });
export const AttachmentParams = Type.Object({ orgId: Type.String(), caseId: Uuid, attachmentId: Uuid });

const caseFields = {
  id: Uuid,
  caseNumber: Type.String(),
  patientName: Type.String(),
  accountNumber: Nullable(Type.String()),
  dentistName: Nullable(Type.String()),
  dentistUserId: Nullable(Uuid),
  dentistryType: Type.Enum(dentistryTypes),
  toothNumbers: Type.Array(Type.String()),
  shadeSystem: Type.Enum(shadeSystems),
  shade: Type.String(),
  material: Type.String(),
  caseType: Type.String(),
  notes: Nullable(Type.String()),
  dueDate: DateOnly,
  status: CaseStatusName,
  /** The machine's state: the status, and the delivery step once completed ('completed.shipped'). */
  state: Type.String(),
  deliveryStatus: Type.Enum(deliveryStatuses),
  approvalStatus: Type.Enum(approvalStatuses),
  assignedDesignerId: Nullable(Uuid),
  isOutsourced: Type.Boolean(),
  outsourcedTo: Nullable(Type.String()),
  redoCount: Type.Integer(),
  adjustmentNotes: Nullable(Type.String()),
  lastRemake: LastRemake,
  completedAt: Nullable(DateTime),
  createdAt: DateTime,
  updatedAt: DateTime,
  /** Send it back with every change: a change made from an older version answers 409 stale_version. */
  version: Type.Integer(),
};

export const CaseBody = Type.Object(caseFields);
export const CaseDetailBody = Type.Object({ ...caseFields, allowedEvents: Type.Array(EventType) });

export const NewCaseBody = Type.Object({
  caseNumber: Type.Optional(Type.String({ maxLength: 50, pattern: '^[^\\u0000-\\u001f\\u007f]*$', description: 'Blank for the next CASE-00001 style number of the lab' })),
  patientName: Filled(255),
  accountNumber: Type.Optional(Nullable(Line(50))),
  dentistName: Type.Optional(Nullable(Line(200))),
  dentistUserId: Type.Optional(Nullable(Uuid)),
  dentistryType: Type.Optional(Type.Enum(dentistryTypes)),
  toothNumbers: Type.Optional(ToothNumbers),
  shadeSystem: Type.Optional(Type.Enum(shadeSystems)),
  shade: Type.Optional(Line(10)),
  material: Filled(100),
  caseType: Filled(100),
  notes: Type.Optional(Nullable(Text(10_000))),
  dueDate: DateOnly,
}, { additionalProperties: false });

export const CaseChangesBody = Type.Object(
  {
    version: Type.Integer({ minimum: 1 }),
    patientName: Type.Optional(Filled(255)),
    accountNumber: Type.Optional(Nullable(Line(50))),
    dentistName: Type.Optional(Nullable(Line(200))),
    dentistUserId: Type.Optional(Nullable(Uuid)),
    dentistryType: Type.Optional(Type.Enum(dentistryTypes)),
    toothNumbers: Type.Optional(ToothNumbers),
    shadeSystem: Type.Optional(Type.Enum(shadeSystems)),
    shade: Type.Optional(Filled(10)),
    material: Type.Optional(Filled(100)),
    caseType: Type.Optional(Filled(100)),
    notes: Type.Optional(Nullable(Text(10_000))),
    dueDate: Type.Optional(DateOnly),
  },
  // Unknown fields (status, redoCount...) are refused: only the workflow moves a case.
  { minProperties: 2, additionalProperties: false },
);

export const CaseEventBody = Type.Object({
  type: EventType,
  version: Type.Integer({ minimum: 1 }),
  designerId: Type.Optional(Uuid),
  notes: Type.Optional(Text(5_000)),
  outsourcedTo: Type.Optional(Line(200)),
  reason: Type.Optional(Type.Enum(remakeReasons)),
  details: Type.Optional(Text(5_000)),
}, { additionalProperties: false });

const filterFields = {
  status: Type.Optional(CaseStatusName),
  designerId: Type.Optional(Uuid),
  material: Type.Optional(Line(100)),
  caseType: Type.Optional(Line(100)),
  dentist: Type.Optional(Type.String({ maxLength: 200, pattern: '^[^\\u0000-\\u001f\\u007f]*$', description: 'Part of the dentist’s name' })),
  dueBefore: Type.Optional(Type.String({ format: 'date', description: 'Due on or before' })),
  dueAfter: Type.Optional(Type.String({ format: 'date', description: 'Due on or after' })),
  overdue: Type.Optional(Type.Boolean({ description: 'Past due and not completed' })),
};

export const CaseListQuery = Type.Object({ ...filterFields, limit: Limit, cursor: Type.Optional(Type.String({ maxLength: 200 })) });
export const BoardQuery = Type.Object({
  ...filterFields,
  limit: Type.Integer({ minimum: 1, maximum: 500, default: 100, description: 'Cards per column' }),
});
export const SearchQuery = Type.Object({ query: Filled(200) });
export const AnalyticsQuery = Type.Object({ from: Type.Optional(DateOnly), to: Type.Optional(DateOnly) });

export const SearchBody = Type.Object({ items: Type.Array(CaseBody) });

export const CardBody = Type.Object({
  id: Uuid,
  caseNumber: Type.String(),
  patientName: Type.String(),
  dentistName: Nullable(Type.String()),
  dentistUserId: Nullable(Uuid),
  material: Type.String(),
  caseType: Type.String(),
  toothNumbers: Type.Array(Type.String()),
  shade: Type.String(),
  dueDate: DateOnly,
  status: CaseStatusName,
  state: Type.String(),
  deliveryStatus: Type.Enum(deliveryStatuses),
  approvalStatus: Type.Enum(approvalStatuses),
  assignedDesignerId: Nullable(Uuid),
  isOutsourced: Type.Boolean(),
  outsourcedTo: Nullable(Type.String()),
  redoCount: Type.Integer(),
  version: Type.Integer(),
  risk: Nullable(Type.Enum(['overdue', 'due_today', 'due_48h'] as const)),
});

export const BoardBody = Type.Object({
  /** The server's date the risks were judged against. */
  today: DateOnly,
  columns: Type.Array(Type.Object({ status: CaseStatusName, label: Type.String(), count: Type.Integer(), cards: Type.Array(CardBody) })),
});

export const HistoryBody = Type.Object({
  items: Type.Array(
    Type.Object({
      id: Uuid,
      from: Type.String(),
      to: Type.String(),
      eventType: EventType,
      payload: Type.Record(Type.String(), Type.Unknown()),
      actorUserId: Nullable(Uuid),
      actorName: Nullable(Type.String()),
      actorRole: Type.String(),
      at: DateTime,
      version: Type.Integer(),
    }),
  ),
});

export const AttachmentBody = Type.Object({
  id: Uuid,
  caseId: Uuid,
  kind: Type.Enum(attachmentKinds),
  originalName: Type.String(),
  size: Type.Integer(),
  sha256: Type.String(),
  uploadedBy: Uuid,
  createdAt: DateTime,
});
export const AttachmentListBody = Type.Object({ items: Type.Array(AttachmentBody) });

const RemakeGroup = Type.Object({
  key: Nullable(Type.String()),
  label: Type.String(),
  completedCases: Type.Integer(),
  remadeCases: Type.Integer(),
  remakeRate: Nullable(Type.Number()),
  remakes: Type.Integer(),
  adjustments: Type.Integer(),
  reasons: Type.Array(Type.Object({ reason: Type.Enum(remakeReasons), count: Type.Integer() })),
});

export const RemakeAnalyticsBody = Type.Object({
  from: DateOnly,
  to: DateOnly,
  overall: RemakeGroup,
  byDesigner: Type.Array(RemakeGroup),
  byMaterial: Type.Array(RemakeGroup),
  byCaseType: Type.Array(RemakeGroup),
  byOutsourcedTo: Type.Array(RemakeGroup),
});

/** A file's bytes, streamed. */
export const FileBody = Type.Unsafe<unknown>(Type.String({ format: 'binary' }));
