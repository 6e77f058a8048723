/**
 * One route per screen. `access` decides who may open it; the shell shows a "not part of your
 * role" page rather than redirecting, so a shared link explains itself.
 */
import type { Component } from 'svelte';
import type { OrgKind, Role } from './lib/api';
import type { Membership } from './lib/api';
import { matchPath, type Params } from './lib/state/router.svelte';
import AdminScreen from './screens/admin/AdminScreen.svelte';
import DisplayScreen from './screens/display/DisplayScreen.svelte';
import LabBoardScreen from './screens/lab/LabBoardScreen.svelte';
import LoginScreen from './screens/login/LoginScreen.svelte';
import PharmacyScreen from './screens/pharmacy/PharmacyScreen.svelte';
import PlatformScreen from './screens/platform/PlatformScreen.svelte';
import PortalScreen from './screens/portal/PortalScreen.svelte';
import QueueScreen from './screens/queue/QueueScreen.svelte';
import ReceptionScreen from './screens/reception/ReceptionScreen.svelte';
import NoAccessScreen from './screens/system/NoAccessScreen.svelte';
import NotFoundScreen from './screens/system/NotFoundScreen.svelte';

export type RouteAccess =
  /** Anyone, signed in or not (sign-in page, waiting-room display with its own token). */
  | 'public'
  /** Any signed-in user. */
  | 'member'
  /** Members holding one of these roles, in one of these kinds of org. */
  | { roles: readonly Role[]; kinds?: readonly OrgKind[] };

export interface RouteDef {
  pattern: string;
  title: string;
  /** Screens with a parameterised pattern take `params`; the others take no props. */
  component: Component<{ params: Params }> | Component<Record<string, never>>;
  access: RouteAccess;
  /** `shell`: header, org switcher and user menu; `bare`: the screen owns the whole page. */
  layout: 'shell' | 'bare';
}

const labStaff = ['org_admin', 'designer', 'dentist'] as const;

export const routes: RouteDef[] = [
  { pattern: '/login', title: 'Sign in', component: LoginScreen, access: 'public', layout: 'bare' },
  { pattern: '/display/:token', title: 'Waiting room', component: DisplayScreen, access: 'public', layout: 'bare' },
  { pattern: '/', title: 'Cuspid', component: NotFoundScreen, access: 'member', layout: 'shell' },
  { pattern: '/no-access', title: 'Not available', component: NoAccessScreen, access: 'member', layout: 'shell' },
  { pattern: '/lab/board', title: 'Case board', component: LabBoardScreen, access: { roles: labStaff, kinds: ['lab'] }, layout: 'shell' },
  { pattern: '/reception', title: 'Reception', component: ReceptionScreen, access: { roles: ['receptionist', 'org_admin'], kinds: ['clinic'] }, layout: 'shell' },
  { pattern: '/queue', title: 'My queue', component: QueueScreen, access: { roles: ['doctor'], kinds: ['clinic'] }, layout: 'shell' },
  { pattern: '/pharmacy', title: 'Pharmacy', component: PharmacyScreen, access: { roles: ['medical_staff', 'org_admin'], kinds: ['clinic'] }, layout: 'shell' },
  { pattern: '/portal', title: 'My visits', component: PortalScreen, access: { roles: ['patient'], kinds: ['clinic'] }, layout: 'shell' },
  { pattern: '/admin', title: 'Administration', component: AdminScreen, access: { roles: ['org_admin'] }, layout: 'shell' },
  { pattern: '/admin/:section', title: 'Administration', component: AdminScreen, access: { roles: ['org_admin'] }, layout: 'shell' },
  { pattern: '/platform', title: 'Organisations', component: PlatformScreen, access: { roles: ['super_admin'] }, layout: 'shell' },
];

export const notFound: RouteDef = { pattern: '*', title: 'Page not found', component: NotFoundScreen, access: 'public', layout: 'shell' };

export interface ResolvedRoute {
  route: RouteDef;
  params: Params;
}

export function resolveRoute(path: string): ResolvedRoute {
  for (const route of routes) {
    const params = matchPath(route.pattern, path);
    if (params) return { route, params };
  }
  return { route: notFound, params: {} };
}

export function mayOpen(route: RouteDef, membership: Pick<Membership, 'role' | 'orgKind'> | null): boolean {
  if (route.access === 'public' || route.access === 'member') return true;
  if (!membership) return false;
  return route.access.roles.includes(membership.role) && (!route.access.kinds || route.access.kinds.includes(membership.orgKind));
}

/** A `?next=` target is followed only when it is a path on this site. */
export function safeNext(next: string | null): string | null {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/login')) return null;
  return next;
}
