/** Direct API calls for arranging test data, so each browser test drives only the screen it is about. */
export interface Tokens {
  accessToken: string;
  refreshToken: string;
}

export async function apiLogin(base: string, email: string, password: string): Promise<Tokens> {
  const response = await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
  if (!response.ok) throw new Error(`login ${email}: ${response.status} ${await response.text()}`);
  return (await response.json()) as Tokens;
}

export async function apiCall<T = unknown>(base: string, token: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const response = await fetch(`${base}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
}

/** A unique suffix, so tests can also run against a long-lived server (E2E_BASE_URL). */
export function unique(): string {
  return `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
}

export interface CreatedOrg {
  id: string;
  name: string;
  adminEmail: string;
  adminPassword: string;
}

/** Creates a lab or clinic through the platform API, with its first admin. */
export async function createOrg(
  base: string,
  superToken: string,
  input: { kind: 'lab' | 'clinic'; name?: string; staffLimits: Record<string, number>; adminEmail?: string; adminName?: string },
): Promise<CreatedOrg> {
  const suffix = unique();
  const name = input.name ?? `E2E ${input.kind === 'lab' ? 'Lab' : 'Clinic'} ${suffix}`;
  const adminEmail = input.adminEmail ?? `admin-${suffix}@e2e.test`;
  const adminPassword = 'Admin-pass-2026';
  const { status, body } = await apiCall<{ id: string }>(base, superToken, 'POST', '/orgs', {
    kind: input.kind,
    name,
    staffLimits: input.staffLimits,
    admin: { email: adminEmail, name: input.adminName ?? 'Alex Admin', password: adminPassword },
  });
  if (status !== 201) throw new Error(`create org: ${status} ${JSON.stringify(body)}`);
  return { id: body.id, name, adminEmail, adminPassword };
}
