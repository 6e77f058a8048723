import { defineEntity, type InferEntity } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import { UserSchema } from '../auth/user.entity';
import { OrgSchema } from '../orgs/org.entity';
import { LabCaseSchema } from './lab-case.entity';

export const attachmentKinds = ['stl', 'dicom', 'pdf'] as const;
export type AttachmentKind = (typeof attachmentKinds)[number];

/** A scan, model or document on a case. The bytes live in storage under `storageKey`; the row holds what was checked. */
export const CaseAttachmentSchema = defineEntity({
  name: 'CaseAttachment',
  tableName: 'case_attachments',
  properties: (p) => ({
    id: p.uuid().primary().onCreate(() => randomUUID()),
    orgId: p.manyToOne(OrgSchema).mapToPk().fieldName('org_id'),
    caseId: p.manyToOne(LabCaseSchema).mapToPk().fieldName('case_id').index(),
    /** Recognised from the content, never from the name. */
    kind: p.enum([...attachmentKinds]),
    /** The uploader's file name, stripped of paths and control characters. */
    originalName: p.string().length(255),
    size: p.bigint('number'),
    sha256: p.string().length(64),
    /** `<orgId>/<caseId>/<uuid>` under the storage directory. */
    storageKey: p.string().length(200),
    uploadedBy: p.manyToOne(UserSchema).mapToPk().fieldName('uploaded_by'),
    createdAt: p.datetime().onCreate(() => new Date()),
  }),
});
export type CaseAttachment = InferEntity<typeof CaseAttachmentSchema>;
