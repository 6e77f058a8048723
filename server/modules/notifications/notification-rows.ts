import { UnrecoverableError } from 'bullmq';
import type { MikroORM } from '@mikro-orm/postgresql';
import { batchLoader } from './notification-batches';
import type { DeliveryAttempt, NotificationStatus } from './notification.entity';
import type { NotificationJob } from './notification-rules';

/** A job's notification row; its org goes with its id into every statement (raw SQL has no tenant filter). */
export interface ClaimedNotification {
  id: string;
  orgId: string;
  status: NotificationStatus;
}

export interface Outcome {
  status: NotificationStatus;
  skipReason?: string;
  attempt?: Omit<DeliveryAttempt, 'at'>;
}

export interface NotificationRows {
  /** The row keyed by the job id, created pending if it is new; an existing row comes back as it is. */
  claim(key: string, job: NotificationJob): Promise<ClaimedNotification>;
  /**
   * Records an outcome, unless the notification already ended: a worker that was presumed dead
   * (its job handed to another) may still report late, and must not turn a 'sent' into a failure.
   */
  settle(notification: ClaimedNotification, outcome: Outcome): Promise<void>;
}

/** Jobs in one statement at most: the worker's concurrency bounds it first. */
const maxBatchSize = 100;

// The no-op update makes a row that already exists come back with its status (`do nothing` returns
// nothing); a key held by another org, or a job of an org that is gone, comes back not at all
// (rather than failing the other jobs' rows with it).
const claimSql = `insert into notifications (id, org_id, key, event_id, template, channel, recipient, subject_type, subject_id, status, attempts, created_at, updated_at)
  select gen_random_uuid(), j.org_id, j.key, j.event_id, j.template, j.channel, j.recipient, j.subject_type, j.subject_id, 'pending', '[]', now(), now()
    from jsonb_to_recordset(?::jsonb) as j(org_id uuid, key text, event_id text, template text, channel text, recipient text, subject_type text, subject_id uuid)
    join orgs o on o.id = j.org_id
  on conflict (key) do update set updated_at = notifications.updated_at where notifications.org_id = excluded.org_id
  returning id, org_id, key, status`;

const settleSql = `update notifications n
     set status = s.status, skip_reason = coalesce(s.skip_reason, n.skip_reason), attempts = n.attempts || s.attempts,
         sent_at = case when s.status = 'sent' then now() else n.sent_at end, updated_at = now()
    from jsonb_to_recordset(?::jsonb) as s(id uuid, org_id uuid, status text, skip_reason text, attempts jsonb)
   where n.id = s.id and n.org_id = s.org_id and n.status not in ('sent', 'skipped')`;

/** The notification rows of the jobs in flight, claimed and settled many per statement. */
export function notificationRows(orm: MikroORM): NotificationRows {
  const claims = batchLoader<{ key: string; job: NotificationJob }, ClaimedNotification>(async (wanted) => {
    // One row per key: a key twice in one insert would make `on conflict do update` fail the batch.
    const byKey = new Map(wanted.map(({ key, job }) => [key, job]));
    const rows = await orm.em.getConnection().execute<{ id: string; org_id: string; key: string; status: NotificationStatus }[]>(claimSql, [
      JSON.stringify(
        [...byKey].map(([key, job]) => ({
          org_id: job.orgId,
          key,
          event_id: job.eventId,
          template: job.template,
          channel: job.channel,
          recipient: job.recipient,
          subject_type: job.subjectType,
          subject_id: job.subjectId,
        })),
      ),
    ]);
    const claimed = new Map(rows.map((row) => [row.key, { id: row.id, orgId: row.org_id, status: row.status }]));
    return wanted.map(({ key }) => claimed.get(key) ?? new UnrecoverableError(`notification ${key}: its key is another org's, or its org is gone`));
  }, maxBatchSize);

  const outcomes = batchLoader<{ notification: ClaimedNotification; outcome: Outcome; at: string }, void>(async (settled) => {
    await orm.em.getConnection().execute(settleSql, [
      JSON.stringify(
        settled.map(({ notification, outcome, at }) => ({
          id: notification.id,
          org_id: notification.orgId,
          status: outcome.status,
          skip_reason: outcome.skipReason ?? null,
          attempts: outcome.attempt ? [{ at, ...outcome.attempt }] : [],
        })),
      ),
    ]);
    return settled.map(() => undefined);
  }, maxBatchSize);

  return {
    claim: (key, job) => claims.load({ key, job }),
    settle: (notification, outcome) => outcomes.load({ notification, outcome, at: new Date().toISOString() }),
  };
}
