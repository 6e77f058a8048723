import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { errorResponses, OrgParams } from '../../shared/http-schemas';
import type { AccountMail } from '../auth/account-mail';
import {
  AllergiesChangeBody,
  NewPatientBody,
  NewTreatmentBody,
  PatientBody,
  PatientChangesBody,
  PatientListBody,
  PatientAllergiesBody,
  PatientListQuery,
  PatientParams,
  ProfileBody,
  SelfRegistrationBody,
  TreatmentBody,
} from './patients.schemas';
import {
  addTreatment,
  deletePatient,
  getAllergies,
  getOwnPatient,
  getPatientProfile,
  listTreatments,
  registerPatient,
  searchPatients,
  selfRegisterPatient,
  setAllergies,
  updatePatient,
} from './patients.service';

const SelfRegistrationAnswerBody = Type.Object({ status: Type.Literal('check_email'), message: Type.String() });

export const patientsRoutes: FastifyPluginAsyncTypebox<{ accountMail: AccountMail }> = async (app, { accountMail }) => {
  app.post('/orgs/:orgId/patients', {
    config: { access: { permission: 'patient.create' } },
    schema: { tags: ['patients'], summary: 'Register a patient at the desk', params: OrgParams, body: NewPatientBody, response: { 201: PatientBody, ...errorResponses } },
    handler: async (request, reply) => reply.status(201).send(await registerPatient(request.scope(), request.body)),
  });

  app.post('/orgs/:orgId/patients/self-register', {
    config: { access: 'public' },
    schema: {
      tags: ['patients'],
      summary: "Sign up at a clinic's patient portal: creates the login and the patient record",
      description: 'Answers 202 with the same body whether the email was new (the login works at once) or already had an account (its owner is emailed), so the answer reveals no account.',
      security: [],
      params: OrgParams,
      body: SelfRegistrationBody,
      response: { 202: SelfRegistrationAnswerBody, ...errorResponses },
    },
    handler: async (request, reply) =>
      reply.status(202).send(await selfRegisterPatient(request.em, request.params.orgId, { requestId: request.id, ip: request.ip }, request.body, accountMail)),
  });

  app.get('/orgs/:orgId/patients', {
    config: { access: { permission: 'patient.list' } },
    schema: {
      tags: ['patients'],
      summary: 'Search patients by name, phone or record number, with filters and pages',
      params: OrgParams,
      querystring: PatientListQuery,
      response: { 200: PatientListBody, ...errorResponses },
    },
    handler: (request) => searchPatients(request.scope(), request.query),
  });

  app.get('/orgs/:orgId/patients/me', {
    config: { access: { permission: 'portal.read' } },
    schema: { tags: ['portal'], summary: "The calling patient's own record", params: OrgParams, response: { 200: PatientBody, ...errorResponses } },
    handler: (request) => getOwnPatient(request.scope()),
  });

  app.get('/orgs/:orgId/patients/:patientId', {
    config: { access: { permission: 'patient.read' } },
    schema: {
      tags: ['patients'],
      summary: 'Profile with appointment history, visits and treatment timeline (staff reads are audited)',
      params: PatientParams,
      response: { 200: ProfileBody, ...errorResponses },
    },
    handler: (request) => getPatientProfile(request.scope(), request.params.patientId),
  });

  app.patch('/orgs/:orgId/patients/:patientId', {
    config: { access: { permission: 'patient.update' } },
    schema: { tags: ['patients'], params: PatientParams, body: PatientChangesBody, response: { 200: PatientBody, ...errorResponses } },
    handler: (request) => updatePatient(request.scope(), request.params.patientId, request.body),
  });

  app.get('/orgs/:orgId/patients/:patientId/allergies', {
    config: { access: { permission: 'patient.read' } },
    schema: { tags: ['patients'], summary: "The patient's allergies and the record's version (staff reads are audited)", params: PatientParams, response: { 200: PatientAllergiesBody, ...errorResponses } },
    handler: (request) => getAllergies(request.scope(), request.params.patientId),
  });

  app.put('/orgs/:orgId/patients/:patientId/allergies', {
    config: { access: { permission: 'patient.allergies' } },
    schema: {
      tags: ['patients'],
      summary: "Replace the patient's allergies (checked at every prescription); the version read is required",
      params: PatientParams,
      body: AllergiesChangeBody,
      response: { 200: PatientAllergiesBody, ...errorResponses },
    },
    handler: (request) => setAllergies(request.scope(), request.params.patientId, request.body),
  });

  app.delete('/orgs/:orgId/patients/:patientId', {
    config: { access: { permission: 'patient.delete' } },
    schema: { tags: ['patients'], summary: 'Remove a patient from the lists (records are retained)', params: PatientParams, response: { 204: Type.Null(), ...errorResponses } },
    handler: async (request, reply) => {
      await deletePatient(request.scope(), request.params.patientId);
      return reply.status(204).send(null);
    },
  });

  app.post('/orgs/:orgId/patients/:patientId/treatments', {
    config: { access: { permission: 'treatment.create' } },
    schema: { tags: ['patients'], summary: "Add to an assigned patient's treatment timeline", params: PatientParams, body: NewTreatmentBody, response: { 201: TreatmentBody, ...errorResponses } },
    handler: async (request, reply) => reply.status(201).send(await addTreatment(request.scope(), request.params.patientId, request.body)),
  });

  app.get('/orgs/:orgId/patients/:patientId/treatments', {
    config: { access: { permission: 'patient.read' } },
    schema: { tags: ['patients'], summary: 'The treatment timeline, newest first', params: PatientParams, response: { 200: Type.Array(TreatmentBody), ...errorResponses } },
    handler: (request) => listTreatments(request.scope(), request.params.patientId),
  });
};
