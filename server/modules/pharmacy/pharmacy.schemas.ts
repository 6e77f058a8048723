import { Type } from 'typebox';
import { Uuid } from '../../shared/http-schemas';
import { PrescriptionItemBody } from '../visits/visits.schemas';

export const PharmacyEntryBody = Type.Object({
  visitId: Uuid,
  ticketNumber: Type.String(),
  patientId: Uuid,
  patientName: Type.String(),
  recordNumber: Type.String(),
  professionalName: Type.String(),
  status: Type.String(),
  printedAt: Type.Union([Type.String(), Type.Null()]),
  version: Type.Integer(),
  allowed: Type.Array(Type.String()),
  items: Type.Array(PrescriptionItemBody, { description: 'Active items: what to hand over' }),
});

export const PharmacyQueueBody = Type.Array(PharmacyEntryBody);

export const HtmlPage = Type.String({ description: 'A printable HTML page (text/html)' });
