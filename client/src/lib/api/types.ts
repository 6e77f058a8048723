/**
 * Wire shapes of the HTTP API (server/modules/* schemas). Roles come from the shared workflows
 * package, so a new role is added in one place for server and client.
 */
import type { Static } from 'typebox';
import type { InvitationBody, MyInvitationBody, NewStaffBody, StaffAdditionBody, StaffChangesBody } from '../../../../server/modules/orgs/orgs.schemas';
import type { AccountBody, AccountChangesBody } from '../../../../server/modules/auth/auth.schemas';
import type { AuditEntryBody, AuditListQuery, AuditPageBody } from '../../../../server/modules/audit/audit.schemas';
import type { Role } from '../../../../workflows/roles';

export type { Role };
export type OrgKind = 'platform' | 'lab' | 'clinic';
export type ToothNumbering = 'FDI' | 'Universal';

export interface Session {
  accessToken: string;
  refreshToken: string;
  /** Seconds until the access token expires. */
  expiresIn: number;
}

export interface User {
  id: string;
  email: string;
  name: string;
  active: boolean;
}

/** Your own account, with the phone and WhatsApp consent only you see and set. */
export type Account = Static<typeof AccountBody>;
export type AccountChanges = Static<typeof AccountChangesBody>;

export interface Membership {
  orgId: string;
  orgName: string;
  orgKind: OrgKind;
  role: Role;
}

export interface Me {
  user: Account;
  memberships: Membership[];
}

export type StaffLimits = Partial<Record<Role, number>>;

export interface Org {
  id: string;
  kind: OrgKind;
  name: string;
  active: boolean;
  staffLimits: StaffLimits;
  toothNumbering: ToothNumbering;
  /** IANA zone of the org's days and hours (ticket days, today's queues, due dates, reminder times). */
  timeZone: string;
}

export interface NewOrg {
  kind: 'lab' | 'clinic';
  name: string;
  staffLimits: StaffLimits;
  toothNumbering?: ToothNumbering;
  /** The server's zone when omitted. */
  timeZone?: string;
  admin: { email: string; name: string; password: string };
}

export interface OrgChanges {
  name?: string;
  toothNumbering?: ToothNumbering;
  timeZone?: string;
}

/** What the platform operator changes about a lab or clinic. */
export interface OperatorOrgChanges {
  name?: string;
  staffLimits?: StaffLimits;
  active?: boolean;
}

export interface StaffMember {
  /** The membership id: what staff routes address. */
  id: string;
  role: Role;
  active: boolean;
  user: User;
}

/** A lab designer as the whole lab sees them (GET /designers): a name for the cards, no contact details. */
export interface Designer {
  /** The user id, what cases point at. */
  id: string;
  name: string;
  active: boolean;
}

export interface StaffLimitUsage {
  role: Role;
  /** null: the plan sets no limit for this role. */
  limit: number | null;
  active: number;
}

export interface StaffList {
  items: StaffMember[];
  limits: StaffLimitUsage[];
}

/** A new person (password required), or an invitation when the email already has an account. */
export type NewStaff = Static<typeof NewStaffBody>;

/** A membership's role and whether it is active; a person's name and password are their own. */
export type StaffChanges = Static<typeof StaffChangesBody>;

/** 201 `added` (a new person, a member now) or 202 `invited` (the address already has an account). */
export type StaffAddition = Static<typeof StaffAdditionBody>;

/** An open invitation as the org's admin sees it. */
export type StaffInvitation = Static<typeof InvitationBody>;

/** An open invitation as the person it is addressed to sees it: which org asks, for which role. */
export type MyInvitation = Static<typeof MyInvitationBody>;

/** One entry of the audit timeline: a row in words, or a person's run of reads of one record. */
export type AuditEntry = Static<typeof AuditEntryBody>;

/** A page of the timeline, with the patient it is filtered to. */
export type AuditPage = Static<typeof AuditPageBody>;

/** The timeline's filters; what is left out takes the server's default. */
export type AuditQuery = Partial<Static<typeof AuditListQuery>>;

export interface FieldProblem {
  field: string;
  message: string;
}

/** Every error body the server sends. */
export interface ErrorBody {
  error: string;
  message: string;
  fields?: FieldProblem[];
  allowed?: string[];
  requestId?: string;
  [extra: string]: unknown;
}
