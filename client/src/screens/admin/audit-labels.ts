/**
 * The audit timeline in words: a sentence per entry ("Rita Reception read Ana Souza's record
 * (history, vitals)"), a short label and a group per action for the filter. Every action the server
 * writes (server/modules/audit/audit-actions.ts) must have its words here: the type requires it.
 */
import type { AuditAction } from '../../../../server/modules/audit/audit-actions';
import { caseStatuses } from '../../../../workflows/case.machine';
import type { AuditEntry, OrgKind, Role } from '../../lib/api';
import { formatTime } from '../../lib/format';
import { roleLabel } from '../../lib/roles';

export type ActionGroup = 'records' | 'clinic' | 'lab' | 'staff' | 'account';

/** The action filter's groups, in the order it lists them. */
export const actionGroups: readonly { group: ActionGroup; label: string }[] = [
  { group: 'records', label: 'Records' },
  { group: 'clinic', label: 'Clinic flow' },
  { group: 'lab', label: 'Lab' },
  { group: 'staff', label: 'Staff & access' },
  { group: 'account', label: 'Account' },
];

/** What an entry is about, put into words for its sentence. */
class Words {
  constructor(
    private readonly entry: AuditEntry,
    private readonly orgKind: OrgKind,
  ) {}

  /** The actor: their name; the platform's background jobs when there is no actor. */
  get who(): string {
    return this.entry.actorName ?? (this.entry.actorUserId ? 'Someone' : 'Cuspid');
  }

  /** The patient by name, where the reader may see it. */
  get patient(): string {
    return this.entry.patient?.name ?? 'a patient';
  }

  get patients(): string {
    return possessive(this.patient);
  }

  /** A case number, a person's name, an address, a display's name; `fallback` when it is gone. */
  subject(fallback: string): string {
    return this.entry.subject ?? fallback;
  }

  /** The role a staff change gave or an invitation offers, in the org's words. */
  get role(): string | null {
    return this.entry.subjectRole ? roleLabel(this.entry.subjectRole as Role, this.orgKind).toLowerCase() : null;
  }

  /** The parts of a record a read showed: " (history, vitals)". */
  get sections(): string {
    return this.entry.changedFields.length ? ` (${this.entry.changedFields.map(fieldLabel).join(', ')})` : '';
  }

  get state(): string {
    return this.entry.toState ? caseStateLabel(this.entry.toState) : 'another column';
  }

  get listed(): number {
    return this.entry.entityIds.length;
  }

  get active(): boolean | null {
    return this.entry.subjectActive;
  }

  /** For actions about either a patient or a lab case: the one this entry is about. */
  get patientOrCase(): string {
    return this.entry.patient ? this.patient : (this.entry.subject ?? 'a record');
  }
}

interface ActionWords {
  group: ActionGroup;
  /** For the action filter: what happened, without who. */
  label: string;
  /** A read shows a record and changes nothing: its fields are the sections it showed. */
  read?: true;
  says: (w: Words) => string;
}

const actionWords: Record<AuditAction, ActionWords> = {
  'patient.create': { group: 'records', label: 'Patient registered', says: (w) => `${w.who} registered ${w.patient}` },
  'patient.selfRegister': { group: 'records', label: 'Patient registered online', says: (w) => `${w.patient} registered through the patient portal` },
  'patient.update': { group: 'records', label: 'Patient record changed', says: (w) => `${w.who} changed ${w.patients} record` },
  'patient.delete': { group: 'records', label: 'Patient record removed', says: (w) => `${w.who} removed ${w.patients} record` },
  'patient.read': { group: 'records', label: 'Patient record read', read: true, says: (w) => `${w.who} read ${w.patients} record${w.sections}` },
  'patient.search': {
    group: 'records',
    label: 'Patients searched',
    read: true,
    says: (w) => `${w.who} searched patients and saw ${plural(w.listed, 'record')}${w.patient === 'a patient' ? '' : `, ${w.patient} among them`}`,
  },
  'treatment.create': { group: 'records', label: 'Treatment recorded', says: (w) => `${w.who} added a treatment to ${w.patients} record` },
  'audit.export': { group: 'records', label: 'Audit trail exported', read: true, says: (w) => `${w.who} exported ${possessive(w.patientOrCase)} audit trail` },

  'appointment.create': { group: 'clinic', label: 'Appointment booked', says: (w) => `${w.who} booked an appointment for ${w.patient}` },
  'appointment.reschedule': { group: 'clinic', label: 'Appointment moved', says: (w) => `${w.who} moved ${w.patients} appointment` },
  'appointment.checkIn': { group: 'clinic', label: 'Appointment checked in', says: (w) => `${w.who} checked in ${w.patients} appointment` },
  'appointment.cancel': { group: 'clinic', label: 'Appointment cancelled', says: (w) => `${w.who} cancelled ${w.patients} appointment` },
  'appointment.noShow': { group: 'clinic', label: 'Appointment missed (no-show)', says: (w) => `${w.who} marked ${w.patient} as a no-show` },
  'appointment.finish': { group: 'clinic', label: 'Appointment finished', says: (w) => `${w.who} closed ${w.patients} appointment` },
  'visit.checkIn': { group: 'clinic', label: 'Patient checked in', says: (w) => `${w.who} checked in ${w.patient}` },
  'visit.queue': { group: 'clinic', label: 'Patient queued', says: (w) => `${w.who} put ${w.patient} in the queue` },
  'visit.call': { group: 'clinic', label: 'Patient called', says: (w) => `${w.who} called ${w.patient}` },
  'visit.recall': { group: 'clinic', label: 'Patient called again', says: (w) => `${w.who} called ${w.patient} again` },
  'visit.start': { group: 'clinic', label: 'Consultation started', says: (w) => `${w.who} started seeing ${w.patient}` },
  'visit.complete': { group: 'clinic', label: 'Consultation finished', says: (w) => `${w.who} finished seeing ${w.patient}` },
  'visit.requeue': { group: 'clinic', label: 'Patient sent back to the queue', says: (w) => `${w.who} sent ${w.patient} back to the queue` },
  'visit.print': { group: 'clinic', label: 'Prescription printed', says: (w) => `${w.who} printed ${w.patients} prescription` },
  'visit.dispense': { group: 'clinic', label: 'Medicines handed over', says: (w) => `${w.who} handed ${w.patient} their medicines` },
  'visit.close': { group: 'clinic', label: 'Visit closed', says: (w) => `${w.who} closed ${w.patients} visit` },
  'visit.cancel': { group: 'clinic', label: 'Visit cancelled', says: (w) => `${w.who} cancelled ${w.patients} visit` },
  'visit.noShow': { group: 'clinic', label: 'Patient absent when called', says: (w) => `${w.who} marked ${w.patient} as absent when called` },
  'visit.expire': { group: 'clinic', label: 'Ticket expired', says: (w) => `${capitalise(w.patients)} ticket expired` },
  'vitals.record': { group: 'clinic', label: 'Vitals recorded', says: (w) => `${w.who} recorded ${w.patients} vitals` },
  'consultation.open': { group: 'clinic', label: 'Consultation opened', says: (w) => `${w.who} opened a consultation with ${w.patient}` },
  'consultation.complete': { group: 'clinic', label: 'Consultation completed', says: (w) => `${w.who} completed the consultation with ${w.patient}` },
  'prescription.create': { group: 'clinic', label: 'Prescription started', says: (w) => `${w.who} started a prescription for ${w.patient}` },
  'prescription.addItem': { group: 'clinic', label: 'Medicine prescribed', says: (w) => `${w.who} prescribed a medicine to ${w.patient}` },
  'prescription.allergyOverride': {
    group: 'clinic',
    label: 'Allergy warning overridden',
    says: (w) => `${w.who} prescribed a medicine to ${w.patient} despite an allergy warning`,
  },
  'prescription.stopItem': { group: 'clinic', label: 'Medicine stopped', says: (w) => `${w.who} stopped a medicine of ${w.patient}` },
  'pharmacy.print': { group: 'clinic', label: 'Prescription printed at the pharmacy', says: (w) => `${w.who} printed ${w.patients} prescription at the pharmacy` },
  'pharmacy.dispense': { group: 'clinic', label: 'Prescription dispensed', says: (w) => `${w.who} dispensed ${w.patients} prescription` },
  'notification.retry': { group: 'clinic', label: 'Message sent again', says: (w) => `${w.who} resent a message about ${w.patientOrCase}` },
  'professional.create': { group: 'clinic', label: 'Professional added', says: (w) => `${w.who} made ${w.subject('a staff member')} bookable as a professional` },
  'professional.update': { group: 'clinic', label: 'Professional changed', says: (w) => `${w.who} changed ${possessive(w.subject('a professional'))} professional details` },
  'display.create': { group: 'clinic', label: 'Display added', says: (w) => `${w.who} added the waiting-room display ${w.subject('')}`.trimEnd() },
  'display.update': { group: 'clinic', label: 'Display changed', says: (w) => `${w.who} changed the waiting-room display ${w.subject('')}`.trimEnd() },
  'display.rotateToken': { group: 'clinic', label: 'Display link renewed', says: (w) => `${w.who} issued a new link for the waiting-room display ${w.subject('')}`.trimEnd() },

  'case.create': { group: 'lab', label: 'Case created', says: (w) => `${w.who} created ${w.subject('a case')}` },
  'case.update': { group: 'lab', label: 'Case changed', says: (w) => `${w.who} changed ${w.subject('a case')}` },
  'case.delete': { group: 'lab', label: 'Case deleted', says: (w) => `${w.who} deleted ${w.subject('a case')}` },
  'case.transition': { group: 'lab', label: 'Case moved', says: (w) => `${w.who} moved ${w.subject('a case')} to ${w.state}` },
  'case.attachment.create': { group: 'lab', label: 'File added to a case', says: (w) => `${w.who} added a file to ${w.subject('a case')}` },
  'case.attachment.delete': { group: 'lab', label: 'File removed from a case', says: (w) => `${w.who} removed a file from ${w.subject('a case')}` },

  'org.create': { group: 'staff', label: 'Organisation created', says: (w) => `${w.who} created the organisation ${w.subject('')}`.trimEnd() },
  'org.update': { group: 'staff', label: 'Organisation settings changed', says: (w) => `${w.who} changed the organisation's settings` },
  'staff.create': { group: 'staff', label: 'Staff member added', says: (w) => `${w.who} added ${w.subject('a staff member')}${w.role ? ` as ${w.role}` : ''}` },
  'staff.invite': { group: 'staff', label: 'Invitation sent', says: (w) => `${w.who} invited ${w.subject('someone')}${w.role ? ` as ${w.role}` : ''}` },
  'staff.update': { group: 'staff', label: 'Staff member changed', says: staffChange },
  'staff.revokeInvitation': { group: 'staff', label: 'Invitation withdrawn', says: (w) => `${w.who} withdrew the invitation to ${w.subject('someone')}` },
  'staff.acceptInvitation': { group: 'staff', label: 'Invitation accepted', says: (w) => `${w.who} accepted the invitation and joined${w.role ? ` as ${w.role}` : ''}` },
  'staff.declineInvitation': { group: 'staff', label: 'Invitation declined', says: (w) => `${w.who} declined the invitation` },
  'membership.create': { group: 'staff', label: 'Portal access opened', says: (w) => `${w.who} opened portal access for ${w.patient}` },
  'membership.update': {
    group: 'staff',
    label: 'Portal access changed',
    says: (w) => (w.active === false ? `${w.who} closed ${w.patients} portal access` : `${w.who} changed ${w.patients} portal access`),
  },

  'account.membershipChanged': { group: 'account', label: 'Access in another organisation changed', says: (w) => `${w.who} changed ${possessive(w.subject('a person'))} access in another organisation` },
  'account.rename': { group: 'account', label: 'Own name changed', says: (w) => `${w.who} changed their name` },
  'account.changePassword': { group: 'account', label: 'Own password changed', says: (w) => `${w.who} changed their password` },
  'account.changePhone': { group: 'account', label: 'Own phone or WhatsApp consent changed', says: (w) => `${w.who} changed their phone number or WhatsApp consent` },
  'account.resetPassword': { group: 'account', label: 'Password reset by email', says: (w) => `${w.who} reset their password with an emailed link` },
};

function staffChange(w: Words): string {
  const member = w.subject('a staff member');
  if (w.role) return `${w.who} changed ${possessive(member)} role to ${w.role}`;
  if (w.active === false) return `${w.who} deactivated ${member}`;
  if (w.active === true) return `${w.who} reactivated ${member}`;
  return `${w.who} changed ${possessive(member)} access`;
}

/** Every action with words, in the filter's order. */
export const knownActions = Object.keys(actionWords) as AuditAction[];

export function actionsIn(group: ActionGroup): AuditAction[] {
  return knownActions.filter((action) => actionWords[action].group === group);
}

function wordsOf(action: string): ActionWords | undefined {
  return Object.hasOwn(actionWords, action) ? actionWords[action as AuditAction] : undefined;
}

/** The filter's words for an action; an action no longer written keeps its code. */
export function actionLabel(action: string): string {
  return wordsOf(action)?.label ?? action;
}

/** The entry as one sentence, the actor first. */
export function describeEntry(entry: AuditEntry, orgKind: OrgKind): string {
  const words = new Words(entry, orgKind);
  const said = wordsOf(entry.action);
  return said ? said.says(words) : `${words.who}: ${entry.action}`;
}

/** The fields a change wrote, in words; a read changes nothing, so none. */
export function changedFieldsOf(entry: AuditEntry): string[] {
  return wordsOf(entry.action)?.read ? [] : entry.changedFields.map(fieldLabel);
}

/** "Read 7 times between 09:10 and 09:32" (or "at 09:10" within a minute), for an entry folding several reads. */
export function readRunLabel(entry: AuditEntry): string | null {
  if (!entry.reads) return null;
  const [first, last] = [formatTime(entry.reads.firstAt), formatTime(entry.at)];
  return `Read ${entry.reads.count} times ${first === last ? `at ${first}` : `between ${first} and ${last}`}`;
}

/** A field's code name in words: dateOfBirth → date of birth. */
export function fieldLabel(field: string): string {
  return field.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
}

function caseStateLabel(value: string): string {
  const [status, step] = value.split('.');
  const label = caseStatuses.find((column) => column.status === status)?.label ?? status!;
  return step ? `${label} (${step.replace('_', ' ')})` : label;
}

function possessive(name: string): string {
  return `${name}'s`;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
