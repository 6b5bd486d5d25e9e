import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import type { PublicUser as User } from '@tmomi/contract/auth';
import type { Organization } from '@tmomi/contract/teams';
import { ApiError, client } from './api';

// The session itself is the httpOnly cookie; this copy of the user only tells the page whether asking
// /api/me is worth it (a logged-out visitor would otherwise get a 401 on every page load).
const STORAGE_KEY = 'tmomi.user';

/**
 * What the organizer pages may show the caller: a platform admin everything, an owner their team and
 * audit log too, a manager the sales, staff only the door. The server decides each call all the same.
 */
export type StaffRole = 'admin' | 'owner' | 'manager' | 'staff';

interface SessionValue {
  user: User | null;
  /** The user's organizations and roles; null until known. */
  organizations: Organization[] | null;
  /** The highest role the user has anywhere; null for a buyer. */
  staffRole: StaffRole | null;
  signedIn: (user: User) => void;
  /** Reads the organizations again (after joining, renaming or deleting one). */
  refreshOrganizations: () => void;
  logout: () => Promise<void>;
}

const SessionContext = createContext<SessionValue | null>(null);

function savedUser(): User | null {
  try {
    return JSON.parse(localStorage.getItem(STORAGE_KEY) ?? 'null') as User | null;
  } catch {
    return null;
  }
}

const RANK: StaffRole[] = ['admin', 'owner', 'manager', 'staff'];

function staffRoleOf(user: User | null, organizations: Organization[] | null): StaffRole | null {
  if (user?.role === 'admin') return 'admin';
  const roles = new Set(organizations?.map((o) => o.role));
  return RANK.find((role) => roles.has(role as Organization['role'])) ?? null;
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const [user, setUser] = useState<User | null>(savedUser);
  const [organizations, setOrganizations] = useState<Organization[] | null>(null);
  const [generation, setGeneration] = useState(0);
  const refreshOrganizations = useCallback(() => setGeneration((g) => g + 1), []);

  const signedIn = useCallback((next: User) => {
    localStorage.setItem(STORAGE_KEY, JSON.stringify(next));
    setUser(next);
  }, []);
  const forget = useCallback(() => {
    localStorage.removeItem(STORAGE_KEY);
    setUser(null);
    setOrganizations(null);
  }, []);

  // The cookie may have expired (or been cleared) since the copy was saved: check once per load.
  useEffect(() => {
    if (!savedUser()) return;
    client.auth.me().then(signedIn, (err: unknown) => {
      if (err instanceof ApiError && err.status === 401) forget();
    });
  }, [signedIn, forget]);

  // Each signed-in user's organizations, for the navigation (a buyer's list is empty).
  const userId = user?.id;
  useEffect(() => {
    if (userId === undefined) return;
    const abort = new AbortController();
    client.teams.mine(abort.signal).then(
      (list) => setOrganizations(list.organizations),
      () => {
        if (!abort.signal.aborted) setOrganizations([]);
      },
    );
    return () => abort.abort();
  }, [userId, generation]);

  const logout = useCallback(async () => {
    await client.auth.logout().catch(() => undefined);
    forget();
  }, [forget]);

  const value = useMemo(
    () => ({
      user,
      organizations,
      staffRole: staffRoleOf(user, organizations),
      signedIn,
      refreshOrganizations,
      logout,
    }),
    [user, organizations, signedIn, refreshOrganizations, logout],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

/** The organizations whose sales the caller may run (a platform admin: every one). */
export function useManagedOrganizations(): Organization[] {
  const { organizations, staffRole } = useSession();
  return (organizations ?? []).filter(
    (o) => staffRole === 'admin' || o.role === 'owner' || o.role === 'manager',
  );
}

export function useSession(): SessionValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession outside SessionProvider');
  return value;
}
