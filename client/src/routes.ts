/**
 * One route per screen. `access` decides who may open it; the shell shows a "not part of your
 * role" page rather than redirecting, so a shared link explains itself.
 */
import type { Component } from 'svelte';
import type { OrgKind, Role } from './lib/api';
import type { Membership } from './lib/api';
import { matchPath, type Params } from './lib/state/router.svelte';
import LoginScreen from './screens/login/LoginScreen.svelte';
import NoAccessScreen from './screens/system/NoAccessScreen.svelte';
import NotFoundScreen from './screens/system/NotFoundScreen.svelte';

export type RouteAccess =
  /** Anyone, signed in or not (sign-in page, waiting-room display with its own token). */
  | 'public'
  /** Any signed-in user. */
  | 'member'
  /** Members holding one of these roles, in one of these kinds of org. */
  | { roles: readonly Role[]; kinds?: readonly OrgKind[] };

type ScreenComponent = Component<{ params: Params }> | Component<Record<string, never>>;

/**
 * A screen loaded on first visit, so a waiting-room TV does not download the lab board and a
 * patient's phone does not download the reception desk. One promise per screen: routes sharing
 * a screen (/reception and /reception/calendar) share it, and the screen stays mounted between them.
 */
export function lazy(load: () => Promise<{ default: ScreenComponent }>): () => Promise<ScreenComponent> {
  let loading: Promise<ScreenComponent> | null = null;
  return () => (loading ??= load().then((module) => module.default, (error) => {
    loading = null;
    throw error;
  }));
}

const screens = {
  admin: lazy(() => import('./screens/admin/AdminScreen.svelte')),
  display: lazy(() => import('./screens/display/DisplayScreen.svelte')),
  labBoard: lazy(() => import('./screens/lab/LabBoardScreen.svelte')),
  remakes: lazy(() => import('./screens/lab/RemakeAnalyticsScreen.svelte')),
  status: lazy(() => import('./screens/status/StatusScreen.svelte')),
  pharmacy: lazy(() => import('./screens/pharmacy/PharmacyScreen.svelte')),
  platform: lazy(() => import('./screens/platform/PlatformScreen.svelte')),
  portal: lazy(() => import('./screens/portal/PortalScreen.svelte')),
  queue: lazy(() => import('./screens/queue/QueueScreen.svelte')),
  reception: lazy(() => import('./screens/reception/ReceptionScreen.svelte')),
  resetPassword: lazy(() => import('./screens/login/ResetPasswordScreen.svelte')),
};

export interface RouteDef {
  pattern: string;
  title: string;
  /** Screens with a parameterised pattern take `params`; the others take no props. */
  component: ScreenComponent | (() => Promise<ScreenComponent>);
  /** True when `component` is a loader (see `lazy`). */
  lazy?: boolean;
  access: RouteAccess;
  /** `shell`: header, org switcher and user menu; `bare`: the screen owns the whole page. */
  layout: 'shell' | 'bare';
}

const labStaff = ['org_admin', 'designer', 'dentist'] as const;

export const routes: RouteDef[] = [
  { pattern: '/login', title: 'Sign in', component: LoginScreen, access: 'public', layout: 'bare' },
  { pattern: '/reset-password', title: 'Choose a new password', component: screens.resetPassword, lazy: true, access: 'public', layout: 'bare' },
  { pattern: '/display/:token', title: 'Waiting room', component: screens.display, lazy: true, access: 'public', layout: 'bare' },
  { pattern: '/status/:token', title: 'Your visit', component: screens.status, lazy: true, access: 'public', layout: 'bare' },
  { pattern: '/', title: 'Cuspid', component: NotFoundScreen, access: 'member', layout: 'shell' },
  { pattern: '/no-access', title: 'Not available', component: NoAccessScreen, access: 'member', layout: 'shell' },
  { pattern: '/lab/board', title: 'Case board', component: screens.labBoard, lazy: true, access: { roles: labStaff, kinds: ['lab'] }, layout: 'shell' },
  { pattern: '/lab/analytics', title: 'Remake analytics', component: screens.remakes, lazy: true, access: { roles: ['org_admin'], kinds: ['lab'] }, layout: 'shell' },
  { pattern: '/reception', title: 'Reception', component: screens.reception, lazy: true, access: { roles: ['receptionist', 'org_admin'], kinds: ['clinic'] }, layout: 'shell' },
  { pattern: '/reception/:section', title: 'Reception', component: screens.reception, lazy: true, access: { roles: ['receptionist', 'org_admin'], kinds: ['clinic'] }, layout: 'shell' },
  { pattern: '/queue', title: 'My queue', component: screens.queue, lazy: true, access: { roles: ['doctor'], kinds: ['clinic'] }, layout: 'shell' },
  { pattern: '/pharmacy', title: 'Pharmacy', component: screens.pharmacy, lazy: true, access: { roles: ['medical_staff', 'org_admin'], kinds: ['clinic'] }, layout: 'shell' },
  { pattern: '/portal', title: 'My visits', component: screens.portal, lazy: true, access: { roles: ['patient'], kinds: ['clinic'] }, layout: 'shell' },
  { pattern: '/admin', title: 'Administration', component: screens.admin, lazy: true, access: { roles: ['org_admin'] }, layout: 'shell' },
  { pattern: '/admin/:section', title: 'Administration', component: screens.admin, lazy: true, access: { roles: ['org_admin'] }, layout: 'shell' },
  { pattern: '/platform', title: 'Organisations', component: screens.platform, lazy: true, access: { roles: ['super_admin'] }, layout: 'shell' },
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
