import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { errorResponses, OrgParams } from '../../shared/http-schemas';
import {
  AppointmentBody,
  AppointmentListQuery,
  AppointmentParams,
  CancelBody,
  FreeSlotsBody,
  FreeSlotsParams,
  FreeSlotsQuery,
  NewAppointmentBody,
  RescheduleBody,
  TodayQuery,
  VersionBody,
} from './appointments.schemas';
import {
  bookAppointment,
  cancelAppointment,
  finishAppointment,
  listAppointments,
  markAppointmentNoShow,
  myUpcomingAppointments,
  professionalFreeSlots,
  rescheduleAppointment,
  todaysAppointments,
} from './appointments.service';

export const appointmentsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post('/orgs/:orgId/appointments', {
    config: { access: { permission: 'appointment.create' } },
    schema: {
      tags: ['appointments'],
      summary: 'Book an appointment (a patient books for themselves); 409 when the professional is already booked',
      params: OrgParams,
      body: NewAppointmentBody,
      response: { 201: AppointmentBody, ...errorResponses },
    },
    handler: async (request, reply) => reply.status(201).send(await bookAppointment(request.scope(), request.body)),
  });

  app.get('/orgs/:orgId/appointments', {
    config: { access: { permission: 'appointment.list' } },
    schema: { tags: ['appointments'], summary: 'Appointments by patient, professional and/or day', params: OrgParams, querystring: AppointmentListQuery, response: { 200: Type.Array(AppointmentBody), ...errorResponses } },
    handler: (request) => listAppointments(request.scope(), request.query),
  });

  app.get('/orgs/:orgId/appointments/today', {
    config: { access: { permission: 'appointment.list' } },
    schema: { tags: ['appointments'], summary: "Today's open appointments", params: OrgParams, querystring: TodayQuery, response: { 200: Type.Array(AppointmentBody), ...errorResponses } },
    handler: (request) => todaysAppointments(request.scope(), request.query),
  });

  app.patch('/orgs/:orgId/appointments/:appointmentId/reschedule', {
    config: { access: { permission: 'appointment.change' } },
    schema: { tags: ['appointments'], params: AppointmentParams, body: RescheduleBody, response: { 200: AppointmentBody, ...errorResponses } },
    handler: (request) => rescheduleAppointment(request.scope(), request.params.appointmentId, request.body),
  });

  app.post('/orgs/:orgId/appointments/:appointmentId/cancel', {
    config: { access: { permission: 'appointment.change' } },
    schema: { tags: ['appointments'], params: AppointmentParams, body: CancelBody, response: { 200: AppointmentBody, ...errorResponses } },
    handler: (request) => cancelAppointment(request.scope(), request.params.appointmentId, request.body),
  });

  app.post('/orgs/:orgId/appointments/:appointmentId/no-show', {
    config: { access: { permission: 'appointment.noShow' } },
    schema: { tags: ['appointments'], summary: 'Mark a no-show, from 10 minutes after the start (409 no_show_too_early before)', params: AppointmentParams, body: VersionBody, response: { 200: AppointmentBody, ...errorResponses } },
    handler: (request) => markAppointmentNoShow(request.scope(), request.params.appointmentId, request.body),
  });

  app.post('/orgs/:orgId/appointments/:appointmentId/finish', {
    config: { access: { permission: 'appointment.finish' } },
    schema: { tags: ['appointments'], summary: "Finish once the visit's consultation is done", params: AppointmentParams, body: VersionBody, response: { 200: AppointmentBody, ...errorResponses } },
    handler: (request) => finishAppointment(request.scope(), request.params.appointmentId, request.body),
  });

  app.get('/orgs/:orgId/professionals/:professionalId/free-slots', {
    config: { access: { permission: 'professional.list' } },
    schema: {
      tags: ['appointments'],
      summary: 'Free 30-minute slots in working hours (08:00-18:00): exactly the starts the booking rule accepts from a patient',
      params: FreeSlotsParams,
      querystring: FreeSlotsQuery,
      response: { 200: FreeSlotsBody, ...errorResponses },
    },
    handler: (request) => professionalFreeSlots(request.scope(), request.params.professionalId, request.query.date),
  });

  app.get('/orgs/:orgId/patients/me/appointments', {
    config: { access: { permission: 'portal.read' } },
    schema: { tags: ['portal'], summary: "The calling patient's upcoming appointments", params: OrgParams, response: { 200: Type.Array(AppointmentBody), ...errorResponses } },
    handler: (request) => myUpcomingAppointments(request.scope()),
  });
};
