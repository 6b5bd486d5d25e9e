import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import type { PublicUser as User } from '@tmomi/contract/auth';
import { ApiError, client } from './api';

// The session itself is the httpOnly cookie; this copy of the user only tells the page whether asking
// /api/me is worth it (a logged-out visitor would otherwise get a 401 on every page load).
const STORAGE_KEY = 'tmomi.user';

interface SessionValue {
  user: User | null;
  signedIn: (user: User) => void;
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

export function SessionProvider({ children }: { children: ReactNode }) {
  const [user, setUser] = useState<User | null>(savedUser);

  const signedIn = useCallback((next: User) => {
    localStorage.setItem(STORAGE_KEY, JSON.stringify(next));
    setUser(next);
  }, []);
  const forget = useCallback(() => {
    localStorage.removeItem(STORAGE_KEY);
    setUser(null);
  }, []);

  // The cookie may have expired (or been cleared) since the copy was saved: check once per load.
  useEffect(() => {
    if (!savedUser()) return;
    client.auth.me().then(signedIn, (err: unknown) => {
      if (err instanceof ApiError && err.status === 401) forget();
    });
  }, [signedIn, forget]);

  const logout = useCallback(async () => {
    await client.auth.logout().catch(() => undefined);
    forget();
  }, [forget]);

  const value = useMemo(() => ({ user, signedIn, logout }), [user, signedIn, logout]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession outside SessionProvider');
  return value;
}
