import { createContext, useCallback, useContext, useMemo, useRef, useState, type ReactNode } from 'react';
import { can as canByMatrix, type Action } from '../../../lib/auth/permissions';
import { ApiError, createApi, type Api, type Schemas } from '../api/client';
import { sessionRequests } from '../features/session/hooks';

export type User = Schemas['User'];

interface StoredSession {
  accessToken: string;
  refreshToken: string;
  user: User;
}

const STORAGE_KEY = 'alert-whisperer.session';

function readStored(): StoredSession | undefined {
  try {
    const raw = localStorage.getItem(STORAGE_KEY);
    return raw ? (JSON.parse(raw) as StoredSession) : undefined;
  } catch {
    return undefined;
  }
}

function writeStored(session: StoredSession | undefined): void {
  if (session) localStorage.setItem(STORAGE_KEY, JSON.stringify(session));
  else localStorage.removeItem(STORAGE_KEY);
}

/** Run `work` while holding a lock shared by every tab of the dashboard (where the browser has Web Locks). */
function withTabLock<T>(work: () => Promise<T>): Promise<T> {
  return navigator.locks ? (navigator.locks.request('alert-whisperer.refresh', work) as Promise<T>) : work();
}

export interface SessionContextValue {
  user: User | undefined;
  api: Api;
  signIn(email: string, password: string): Promise<void>;
  signOut(): Promise<void>;
  /** The API's permission matrix (lib/auth/permissions.ts) for the signed-in user; no tenant = MSP level. */
  can(action: Action, tenantId?: string): boolean;
  accessToken(): string | undefined;
}

const SessionContext = createContext<SessionContextValue | undefined>(undefined);

/**
 * The signed-in session. Tokens live in localStorage so a reload or a second tab stays signed in; a
 * refresh token works once (reuse signs the whole session out), so tabs refresh under one Web Lock and
 * a tab that finds the stored pair already renewed adopts it instead of spending the old token again.
 * The CSP (scripts from the dashboard's own origin only) is what keeps other scripts away from them.
 */
export function SessionProvider({ apiUrl, children }: { apiUrl: string; children: ReactNode }) {
  const [session, setSession] = useState<StoredSession | undefined>(readStored);
  const sessionRef = useRef(session);
  sessionRef.current = session;

  const accessToken = useCallback(() => sessionRef.current?.accessToken, []);
  const replace = useCallback((next: StoredSession | undefined) => {
    sessionRef.current = next;
    writeStored(next);
    setSession(next);
  }, []);

  // Refreshing must not go through the retrying client (a 401 there would recurse).
  const refreshClient = useMemo(
    () => createApi(apiUrl, { accessToken: () => undefined, refresh: async () => false, expired: () => undefined }),
    [apiUrl],
  );
  const api = useMemo(
    () =>
      createApi(apiUrl, {
        accessToken: () => sessionRef.current?.accessToken,
        refresh: () =>
          withTabLock(async () => {
            const spent = sessionRef.current?.refreshToken;
            const stored = readStored();
            if (stored && stored.refreshToken !== spent) {
              replace(stored);
              return true;
            }
            if (!spent) return false;
            try {
              const pair = await sessionRequests.refresh(refreshClient, spent);
              replace(pair);
              return true;
            } catch {
              return false;
            }
          }),
        expired: () => replace(undefined),
      }),
    [apiUrl, refreshClient, replace],
  );

  const value = useMemo<SessionContextValue>(
    () => ({
      user: session?.user,
      api,
      accessToken,
      async signIn(email, password) {
        replace(await sessionRequests.login(refreshClient, email, password));
      },
      async signOut() {
        const refreshToken = sessionRef.current?.refreshToken;
        replace(undefined);
        if (refreshToken) await sessionRequests.logout(refreshClient, refreshToken).catch(() => undefined);
      },
      can(action, tenantId) {
        const user = session?.user;
        return user ? canByMatrix({ role: user.role, tenants: user.tenantIds }, action, tenantId) : false;
      },
    }),
    [session, api, accessToken, refreshClient, replace],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionContextValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession outside SessionProvider');
  return value;
}

/** The API client of the signed-in session. */
export function useApi(): Api {
  return useSession().api;
}

export function isApiError(error: unknown, status?: number): error is ApiError {
  return error instanceof ApiError && (status === undefined || error.status === status);
}
