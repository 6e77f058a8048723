import type { EntityManager } from '@mikro-orm/postgresql';
import { AppointmentSchema } from '../appointments/appointment.entity';
import { clinicDay, dayBounds } from '../appointments/clinic-calendar';
import { LabCaseSchema } from '../lab-cases/lab-case.entity';
import type { NotificationJob } from '../notifications/notification-rules';
import { emitScreenEvent } from '../realtime/outbox';
import { rooms } from '../realtime/rooms';

const noTenant = { filters: { tenant: false } } as const;
export const caseReminded = 'case.reminded.v1';

/**
 * Lab cases due within 24 hours or overdue, across every lab: the lab's admins hear of each once a
 * day (the day is part of the idempotency key), and the board marks the card.
 */
export async function labCaseReminders(em: EntityManager, now = new Date()): Promise<NotificationJob[]> {
  const today = clinicDay(now);
  const tomorrow = clinicDay(new Date(now.getTime() + 86_400_000));
  const cases = await em.find(LabCaseSchema, { status: { $ne: 'completed' }, dueDate: { $lte: tomorrow } }, { ...noTenant, fields: ['id', 'orgId', 'dueDate'], limit: 5000 });
  const jobs: NotificationJob[] = [];
  await em.transactional(async (tx) => {
    for (const labCase of cases) {
      const overdue = labCase.dueDate < today;
      jobs.push({
        orgId: labCase.orgId,
        eventId: `reminder-${today}`,
        template: overdue ? 'case.overdue' : 'case.dueSoon',
        channel: 'email',
        recipient: 'lab_admins',
        subjectType: 'LabCase',
        subjectId: labCase.id,
      });
      emitScreenEvent(tx, { orgId: labCase.orgId, type: caseReminded, rooms: [rooms.labBoard(labCase.orgId)], payload: { caseId: labCase.id, risk: overdue ? 'overdue' : 'due_soon', day: today } });
    }
  });
  return jobs;
}

/** Tomorrow's booked appointments: the patient hears of each the day before. */
export async function appointmentReminders(em: EntityManager, now = new Date()): Promise<NotificationJob[]> {
  const { start, end } = dayBounds(clinicDay(new Date(now.getTime() + 86_400_000)));
  const appointments = await em.find(AppointmentSchema, { status: 'scheduled', startsAt: { $gte: start, $lt: end } }, { ...noTenant, fields: ['id', 'orgId'], limit: 10_000 });
  return appointments.flatMap((appointment) =>
    (['email', 'whatsapp'] as const).map((channel) => ({
      orgId: appointment.orgId,
      eventId: `reminder-${appointment.id}`,
      template: 'appointment.reminder' as const,
      channel,
      recipient: 'patient' as const,
      subjectType: 'Appointment' as const,
      subjectId: appointment.id,
    })),
  );
}
