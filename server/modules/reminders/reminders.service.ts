import type { EntityManager } from '@mikro-orm/postgresql';
import { clinicDay, dayBounds } from '../appointments/clinic-calendar';
import { addDays, localToday } from '../lab-cases/lab-cases.service';
import type { NotificationJob } from '../notifications/notification-rules';
import { emitScreenEvent } from '../realtime/outbox';
import { rooms } from '../realtime/rooms';

/** UTC+14 (Kiribati): no zone's day is later, so its tomorrow bounds everyone's. */
const aheadmostTimeZone = 'Etc/GMT-14';
export const caseReminded = 'case.reminded.v1';

/**
 * Lab cases due within 24 hours or overdue, across every lab: the lab's admins hear of each once a
 * day (the day is part of the idempotency key), and the board marks the card.
 */
export async function labCaseReminders(em: EntityManager, now = new Date()): Promise<NotificationJob[]> {
  // Each lab has its own today: read every case due by the latest tomorrow on earth, then keep
  // those due by tomorrow in their lab's zone.
  const cases = await em.getConnection().execute<{ id: string; org_id: string; due_date: string; time_zone: string }[]>(
    `select c.id, c.org_id, to_char(c.due_date, 'YYYY-MM-DD') as due_date, o.time_zone
       from lab_cases c join orgs o on o.id = c.org_id
      where c.status <> 'completed' and c.due_date <= ?
      limit 5000`,
    [addDays(localToday(aheadmostTimeZone, now), 1)],
  );
  const jobs: NotificationJob[] = [];
  await em.transactional(async (tx) => {
    for (const row of cases) {
      const today = localToday(row.time_zone, now);
      if (row.due_date > addDays(today, 1)) continue;
      const overdue = row.due_date < today;
      jobs.push({
        orgId: row.org_id,
        eventId: `reminder-${today}`,
        template: overdue ? 'case.overdue' : 'case.dueSoon',
        channel: 'email',
        recipient: 'lab_admins',
        subjectType: 'LabCase',
        subjectId: row.id,
      });
      emitScreenEvent(tx, { orgId: row.org_id, type: caseReminded, rooms: [rooms.labBoard(row.org_id)], payload: { caseId: row.id, risk: overdue ? 'overdue' : 'due_soon', day: today } });
    }
  });
  return jobs;
}

/** Tomorrow's booked appointments: the patient hears of each the day before. */
export async function appointmentReminders(em: EntityManager, now = new Date()): Promise<NotificationJob[]> {
  // Tomorrow, in any clinic's zone, starts after now and ends within two days and an hour of it:
  // read that window, then keep what falls on tomorrow in the appointment's own clinic.
  const rows = await em.getConnection().execute<{ id: string; org_id: string; starts_at: string; time_zone: string }[]>(
    `select a.id, a.org_id, a.starts_at, o.time_zone
       from appointments a join orgs o on o.id = a.org_id
      where a.status = 'scheduled' and a.starts_at >= ? and a.starts_at < ?
      limit 10000`,
    [now, new Date(now.getTime() + 50 * 3_600_000)],
  );
  const appointments = rows
    .filter((row) => {
      const { start, end } = dayBounds(addDays(clinicDay(now, row.time_zone), 1), row.time_zone);
      const startsAt = new Date(row.starts_at);
      return startsAt >= start && startsAt < end;
    })
    .map((row) => ({ id: row.id, orgId: row.org_id }));
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
