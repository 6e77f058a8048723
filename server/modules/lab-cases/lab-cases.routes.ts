import { resolve } from 'node:path';
import multipart from '@fastify/multipart';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { invalid, UnsupportedMediaError } from '../../shared/errors';
import { errorResponses, OrgParams, page } from '../../shared/http-schemas';
import { contentDisposition } from './attachment-content';
import type { AttachmentStorage } from './attachment-storage';
import { deleteAttachment, listAttachments, openAttachment, uploadAttachment } from './case-attachments.service';
import { caseHistory, sendCaseEvent } from './case-transitions.service';
import {
  AnalyticsQuery,
  AttachmentBody,
  AttachmentListBody,
  AttachmentParams,
  BoardBody,
  BoardQuery,
  CaseBody,
  CaseChangesBody,
  CaseDetailBody,
  CaseEventBody,
  CaseListQuery,
  CaseParams,
  FileBody,
  HistoryBody,
  NewCaseBody,
  RemakeAnalyticsBody,
  SearchBody,
  SearchQuery,
} from './lab-cases.schemas';
import { caseBoard } from './case-board.service';
import { createCase, deleteCase, getCase, listCases, searchCases, updateCase } from './lab-cases.service';
import { remakeAnalytics } from './remake-analytics.service';

export interface LabCasesRoutesOptions {
  /** STORAGE_DIR: attachments go under `<storageDir>/<orgId>/<caseId>/`. */
  storageDir: string;
  /** UPLOAD_LIMIT_MB in bytes. */
  uploadLimitBytes: number;
}

const tags = ['lab-cases'];
const uploadErrors = { ...errorResponses, 413: Type.Ref('ErrorBody'), 415: Type.Ref('ErrorBody') } as const;

/** Dental lab cases under /orgs/:orgId: the case, its workflow events, history, attachments, search, board and remake analytics. */
export const labCasesRoutes: FastifyPluginAsyncTypebox<LabCasesRoutesOptions> = async (app, options) => {
  const storage: AttachmentStorage = { dir: resolve(options.storageDir), limitBytes: options.uploadLimitBytes };
  // Files stream through (never buffered whole); busboy cuts a file at the limit and the service answers 413.
  await app.register(multipart, { limits: { fileSize: storage.limitBytes, files: 1, fields: 5, parts: 6 } });

  app.get('/orgs/:orgId/cases', {
    config: { access: { permission: 'case.read' } },
    schema: {
      tags,
      summary: 'Cases by due date, filtered, with cursor pagination',
      params: OrgParams,
      querystring: CaseListQuery,
      response: { 200: page(CaseBody), ...errorResponses },
    },
    handler: (request) => listCases(request.scope(), request.query),
  });

  app.get('/orgs/:orgId/cases/search', {
    config: { access: { permission: 'case.read' } },
    schema: {
      tags,
      summary: 'Cases whose number, patient, dentist, account number or notes contain the query (at most 50)',
      params: OrgParams,
      querystring: SearchQuery,
      response: { 200: SearchBody, ...errorResponses },
    },
    handler: (request) => searchCases(request.scope(), request.query.query),
  });

  app.get('/orgs/:orgId/cases/analytics/remakes', {
    config: { access: { permission: 'case.analytics' } },
    schema: {
      tags,
      summary: 'Remake rate and reasons by designer, material, case type and outsourced lab over a date range',
      params: OrgParams,
      querystring: AnalyticsQuery,
      response: { 200: RemakeAnalyticsBody, ...errorResponses },
    },
    handler: (request) => remakeAnalytics(request.scope(), request.query),
  });

  app.get('/orgs/:orgId/board', {
    config: { access: { permission: 'case.read' } },
    schema: {
      tags,
      summary: 'The kanban board: a column per status with its count and first cards by due date, each with its due-date risk',
      params: OrgParams,
      querystring: BoardQuery,
      response: { 200: BoardBody, ...errorResponses },
    },
    // The board's JSON is built once per change and cached; sent as it is, not serialised again.
    handler: async (request, reply) => reply.type('application/json; charset=utf-8').send((await caseBoard(request.scope(), request.query)).json),
  });

  app.post('/orgs/:orgId/cases', {
    config: { access: { permission: 'case.create' } },
    schema: { tags, summary: 'Register a case (New)', params: OrgParams, body: NewCaseBody, response: { 201: CaseDetailBody, ...errorResponses } },
    handler: async (request, reply) => reply.status(201).send(await createCase(request.scope(), request.body)),
  });

  app.get('/orgs/:orgId/cases/:caseId', {
    config: { access: { permission: 'case.read' } },
    schema: { tags, summary: 'A case, with the events the caller may send it now', params: CaseParams, response: { 200: CaseDetailBody, ...errorResponses } },
    handler: (request) => getCase(request.scope(), request.params.caseId),
  });

  app.patch('/orgs/:orgId/cases/:caseId', {
    config: { access: { permission: 'case.update' } },
    schema: {
      tags,
      summary: 'Edit the descriptive fields of a case (not its workflow state) at the version last read',
      params: CaseParams,
      body: CaseChangesBody,
      response: { 200: CaseDetailBody, ...errorResponses },
    },
    handler: (request) => updateCase(request.scope(), request.params.caseId, request.body),
  });

  app.delete('/orgs/:orgId/cases/:caseId', {
    config: { access: { permission: 'case.delete' } },
    schema: { tags, summary: 'Delete a New case with its attachments', params: CaseParams, response: { 204: Type.Null(), ...errorResponses } },
    handler: async (request, reply) => {
      await deleteCase(request.scope(), request.params.caseId, storage);
      return reply.status(204).send(null);
    },
  });

  app.post('/orgs/:orgId/cases/:caseId/events', {
    config: { access: { permission: 'case.transition' } },
    schema: {
      tags,
      summary: 'Send a workflow event; 409 with the allowed events when the workflow refuses it',
      params: CaseParams,
      body: CaseEventBody,
      response: { 200: CaseDetailBody, ...errorResponses },
    },
    handler: (request) => sendCaseEvent(request.scope(), request.params.caseId, request.body),
  });

  app.get('/orgs/:orgId/cases/:caseId/history', {
    config: { access: { permission: 'case.read' } },
    schema: { tags, summary: 'Every transition of the case, oldest first', params: CaseParams, response: { 200: HistoryBody, ...errorResponses } },
    handler: (request) => caseHistory(request.scope(), request.params.caseId),
  });

  app.post('/orgs/:orgId/cases/:caseId/attachments', {
    config: { access: { permission: 'case.attachment.write' } },
    schema: {
      tags,
      summary: 'Upload an STL, DICOM or PDF file (multipart/form-data, one file part), recognised by its content',
      consumes: ['multipart/form-data'],
      params: CaseParams,
      response: { 201: AttachmentBody, ...uploadErrors },
    },
    handler: async (request, reply) => {
      if (!request.isMultipart()) throw new UnsupportedMediaError('Send the file as multipart/form-data');
      const part = await request.file();
      if (!part) throw invalid('file', 'is required: send one file part');
      const file = { filename: part.filename, content: part.file, truncated: () => part.file.truncated };
      return reply.status(201).send(await uploadAttachment(request.scope(), request.params.caseId, file, storage));
    },
  });

  app.get('/orgs/:orgId/cases/:caseId/attachments', {
    config: { access: { permission: 'case.read' } },
    schema: { tags, summary: 'The attachments of a case', params: CaseParams, response: { 200: AttachmentListBody, ...errorResponses } },
    handler: (request) => listAttachments(request.scope(), request.params.caseId),
  });

  app.get('/orgs/:orgId/cases/:caseId/attachments/:attachmentId', {
    config: { access: { permission: 'case.read' } },
    schema: {
      tags,
      summary: 'Download an attachment; its sha256 is in the X-Checksum-SHA256 header',
      produces: ['model/stl', 'application/dicom', 'application/pdf'],
      params: AttachmentParams,
      response: { 200: FileBody, ...errorResponses },
    },
    handler: async (request, reply) => {
      const { attachment, contentType, content } = await openAttachment(request.scope(), request.params.caseId, request.params.attachmentId, storage);
      return reply
        .header('content-type', contentType)
        .header('content-length', attachment.size)
        .header('content-disposition', contentDisposition(attachment.originalName))
        .header('x-checksum-sha256', attachment.sha256)
        .header('repr-digest', `sha-256=:${Buffer.from(attachment.sha256, 'hex').toString('base64')}:`)
        .header('cache-control', 'private, no-store')
        .send(content);
    },
  });

  app.delete('/orgs/:orgId/cases/:caseId/attachments/:attachmentId', {
    config: { access: { permission: 'case.attachment.write' } },
    schema: { tags, summary: 'Delete an attachment and its file', params: AttachmentParams, response: { 204: Type.Null(), ...errorResponses } },
    handler: async (request, reply) => {
      await deleteAttachment(request.scope(), request.params.caseId, request.params.attachmentId, storage);
      return reply.status(204).send(null);
    },
  });
};
