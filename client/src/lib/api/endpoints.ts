import type { ApiClient } from './client';
import type {
  AuditEvent,
  AuditQuery,
  Me,
  NewOrg,
  NewStaff,
  Org,
  OrgChanges,
  Page,
  Role,
  Session,
  StaffChanges,
  StaffList,
  StaffMember,
} from './types';

const org = (orgId: string) => `/orgs/${encodeURIComponent(orgId)}`;

/** One typed function per API route; screens call these, never fetch. */
export function endpoints(http: ApiClient) {
  return {
    auth: {
      login: (email: string, password: string) => http.post<Session>('/auth/login', { email, password }, { auth: false }),
      logout: (refreshToken: string) => http.post<void>('/auth/logout', { refreshToken }, { auth: false }),
      me: (signal?: AbortSignal) => http.get<Me>('/auth/me', undefined, { signal }),
    },
    orgs: {
      list: (signal?: AbortSignal) => http.get<Org[]>('/orgs', undefined, { signal }),
      get: (orgId: string, signal?: AbortSignal) => http.get<Org>(org(orgId), undefined, { signal }),
      create: (input: NewOrg) => http.post<Org>('/orgs', input),
      update: (orgId: string, changes: OrgChanges) => http.patch<Org>(org(orgId), changes),
    },
    staff: {
      list: (orgId: string, filter: { role?: Role; active?: boolean } = {}, signal?: AbortSignal) =>
        http.get<StaffList>(`${org(orgId)}/staff`, filter, { signal }),
      create: (orgId: string, input: NewStaff) => http.post<StaffMember>(`${org(orgId)}/staff`, input),
      update: (orgId: string, membershipId: string, changes: StaffChanges) =>
        http.patch<StaffMember>(`${org(orgId)}/staff/${encodeURIComponent(membershipId)}`, changes),
    },
    audit: {
      list: (orgId: string, query: AuditQuery = {}, signal?: AbortSignal) =>
        http.get<Page<AuditEvent>>(`${org(orgId)}/audit`, { ...query }, { signal }),
    },
  };
}

export type Api = ReturnType<typeof endpoints>;
