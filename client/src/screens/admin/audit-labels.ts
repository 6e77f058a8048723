/** Audit actions in words; unknown actions (new modules) fall back to their code. */
const actionLabels: Record<string, string> = {
  'org.create': 'Organisation created',
  'org.update': 'Organisation changed',
  'staff.create': 'Staff member added',
  'staff.update': 'Staff member changed',
  'case.create': 'Case created',
  'case.update': 'Case changed',
  'case.transition': 'Case moved',
  'patient.create': 'Patient registered',
  'patient.update': 'Patient changed',
  'appointment.create': 'Appointment booked',
  'appointment.update': 'Appointment changed',
  'visit.create': 'Patient checked in',
  'visit.transition': 'Visit moved on',
  'prescription.update': 'Prescription changed',
};

export const knownActions = Object.keys(actionLabels);
export const knownEntityTypes = ['Org', 'Membership', 'LabCase', 'Attachment', 'Patient', 'Appointment', 'Visit', 'Prescription', 'Display'];

export function actionLabel(action: string): string {
  return actionLabels[action] ?? action;
}

const entityLabels: Record<string, string> = { Org: 'Organisation', Membership: 'Staff member', LabCase: 'Lab case' };

export function entityLabel(entityType: string): string {
  return entityLabels[entityType] ?? entityType;
}
