import type { CommittedEvent } from '../realtime/outbox';
import type { NotificationChannel } from './notification.entity';

export type Recipient = 'patient' | 'professional' | 'dentist' | 'designer' | 'lab_admins';

export const templates = [
  'appointment.created',
  'appointment.rescheduled',
  'appointment.finished',
  'appointment.cancelled',
  'appointment.reminder',
  'visit.called',
  'case.shipped',
  'case.adjustmentRequested',
  'case.dueSoon',
  'case.overdue',
] as const;
export type Template = (typeof templates)[number];

/** Job data: ids only, never health data; the worker re-reads the rest. */
export interface NotificationJob {
  orgId: string;
  /** The outbox event id, or the reminder's own idempotency token. */
  eventId: string;
  template: Template;
  channel: NotificationChannel;
  recipient: Recipient;
  subjectType: 'Appointment' | 'Visit' | 'LabCase';
  subjectId: string;
}

export function jobKey(job: NotificationJob): string {
  // BullMQ reserves ':' in job ids.
  return [job.eventId, job.template, job.channel, job.recipient].join('.');
}

const appointmentTemplates: Record<string, Template> = {
  AppointmentBooked: 'appointment.created',
  AppointmentRescheduled: 'appointment.rescheduled',
  AppointmentFinished: 'appointment.finished',
  AppointmentCancelled: 'appointment.cancelled',
};

const bothChannels: NotificationChannel[] = ['email', 'whatsapp'];

/**
 * Which messages a committed change causes (seed 004: patient and professional hear of every
 * booking, change, finish and cancellation by email and WhatsApp). Consent and addresses are
 * checked when the message is sent, against the patient's settings at that moment.
 */
export function notificationsFor(event: CommittedEvent): NotificationJob[] {
  const base = { orgId: event.orgId, eventId: event.id };
  const events = Array.isArray(event.payload.events) ? (event.payload.events as string[]) : [];
  if (event.type === 'appointment.updated.v1') {
    const subjectId = String(event.payload.appointmentId);
    return events.flatMap((domainEvent) => {
      const template = appointmentTemplates[domainEvent];
      if (!template) return [];
      return (['patient', 'professional'] as const).flatMap((recipient) =>
        bothChannels.map((channel) => ({ ...base, template, channel, recipient, subjectType: 'Appointment' as const, subjectId })),
      );
    });
  }
  // A visit change is announced to several rooms; react once, to the staff copy.
  if (event.type === 'visit.updated.v1' && events.includes('VisitCalled') && event.rooms.some((room) => room.endsWith(':reception'))) {
    return bothChannels.map((channel) => ({ ...base, template: 'visit.called' as const, channel, recipient: 'patient' as const, subjectType: 'Visit' as const, subjectId: String(event.payload.visitId) }));
  }
  if (event.type === 'case.updated.v1' && event.rooms.some((room) => room.endsWith(':lab-board'))) {
    const subjectId = String(event.payload.caseId);
    if (event.payload.event === 'case.ship') return [{ ...base, template: 'case.shipped', channel: 'email', recipient: 'dentist', subjectType: 'LabCase', subjectId }];
    if (event.payload.event === 'case.requestAdjustment') return [{ ...base, template: 'case.adjustmentRequested', channel: 'email', recipient: 'designer', subjectType: 'LabCase', subjectId }];
  }
  return [];
}
