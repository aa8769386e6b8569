/**
 * The logged-in session: the token from POST /api/v1/auth/login and its account, kept
 * in sessionStorage so a reload keeps it and closing the tab ends it (the console
 * shows ID numbers and faces: a shared office computer should not stay logged in).
 * A small external store, read with useSession().
 */
import { useSyncExternalStore } from 'react';
import type { Role } from '../access';

export interface Account {
  username: string;
  role: Role;
  siteIds: string[];
  vendorId: string | null;
}

export interface Session {
  token: string;
  expiresAt: string;
  account: Account;
}

const KEY = 'kaoqin.session';
const listeners = new Set<() => void>();
let current: Session | null = read();

function read(): Session | null {
  try {
    const raw = sessionStorage.getItem(KEY);
    if (!raw) return null;
    const s = JSON.parse(raw) as Session;
    return Date.parse(s.expiresAt) > Date.now() ? s : null;
  } catch {
    return null;
  }
}

export function getSession(): Session | null {
  return current;
}

export function setSession(s: Session | null): void {
  current = s;
  if (s) sessionStorage.setItem(KEY, JSON.stringify(s));
  else sessionStorage.removeItem(KEY);
  for (const l of listeners) l();
}

function subscribe(l: () => void): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

export function useSession(): Session | null {
  return useSyncExternalStore(subscribe, getSession);
}
