import { Type } from 'typebox';
import { Uuid } from '../../shared/http-schemas';
import { PrescriptionItemBody } from '../visits/visits.schemas';

/**
 * What the pharmacy needs to hand medicines to the right person: who they are and the active items.
 * Never vitals, history or consultation notes.
 */
export const PharmacyEntryBody = Type.Object({
  visitId: Uuid,
  ticketNumber: Type.String(),
  patientId: Uuid,
  patientName: Type.String(),
  recordNumber: Type.String(),
  dateOfBirth: Type.String({ format: 'date', description: 'To check who is collecting: name, record number and date of birth' }),
  professionalName: Type.String(),
  status: Type.String(),
  printedAt: Type.Union([Type.String(), Type.Null()]),
  version: Type.Integer(),
  allowed: Type.Array(Type.String()),
  items: Type.Array(PrescriptionItemBody, { description: 'Active items: what to hand over' }),
});

export const PharmacyQueueBody = Type.Array(PharmacyEntryBody);

export const HtmlPage = Type.String({ description: 'A printable HTML page (text/html)' });
