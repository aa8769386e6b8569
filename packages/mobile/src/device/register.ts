/**
 * POST /api/mobile/v1/register: a one-time code or a person QR code, plus the last 6
 * characters of the worker's ID number, become this phone's own device identity
 * (kind mobile, bound to the site, linked to the person). The platform answers
 * problem+json with a stable `code` when it refuses.
 */
import { MOBILE_API } from '../paths';
import type { Registration } from '../store/db';

export type RegisterInput = { code: string; idLast6: string } | { personCode: string; idLast6: string };

export class RegisterError extends Error {
  override name = 'RegisterError';
  constructor(
    readonly code: string,
    readonly detail: string,
  ) {
    super(`${code}: ${detail}`);
  }
}

export async function registerPhone(input: RegisterInput): Promise<Registration> {
  let res: Response;
  try {
    res = await fetch(`${MOBILE_API}/register`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify(input),
      cache: 'no-store',
    });
  } catch (err) {
    throw new RegisterError('network', err instanceof Error ? err.message : String(err));
  }
  const text = await res.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // not JSON: reported below by status
  }
  if (res.status !== 201) {
    const code = typeof body.code === 'string' ? body.code : `http_${res.status}`;
    const detail =
      typeof body.detail === 'string' ? body.detail : ((body.title as string | undefined) ?? text);
    throw new RegisterError(code, detail);
  }
  const r = body as unknown as Omit<Registration, 'registeredAt'>;
  return {
    sn: r.sn,
    accessId: r.accessId,
    accessKey: r.accessKey,
    accessSecret: r.accessSecret,
    person: { personId: r.person.personId, name: r.person.name },
    site: { siteId: r.site.siteId, name: r.site.name },
    registeredAt: Date.now(),
  };
}
