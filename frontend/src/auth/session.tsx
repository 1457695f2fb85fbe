import { createContext, useCallback, useContext, useMemo, useRef, useState, type ReactNode } from 'react';
import { can as canByMatrix, type Action } from '../../../lib/auth/permissions';
import { ApiError, createApi, type Api, type Schemas } from '../api/client';
import { sessionRequests } from '../features/session/hooks';
import { newProofKey, proofFor, refreshStore } from './refresh-store';

export type User = Schemas['User'];

/** What localStorage holds: the 15-minute access token and the user. The refresh token is kept apart (refresh-store.ts). */
interface StoredSession {
  accessToken: string;
  user: User;
}

const STORAGE_KEY = 'alert-whisperer.session';

function readStored(): StoredSession | undefined {
  try {
    const raw = localStorage.getItem(STORAGE_KEY);
    const stored = raw ? (JSON.parse(raw) as Partial<StoredSession> & { refreshToken?: unknown }) : undefined;
    if (!stored?.accessToken || !stored.user) return undefined;
    // A session stored by an earlier version held its refresh token here: it is not read from here again.
    if (stored.refreshToken !== undefined) writeStored({ accessToken: stored.accessToken, user: stored.user });
    return { accessToken: stored.accessToken, user: stored.user };
  } catch {
    return undefined;
  }
}

function writeStored(session: StoredSession | undefined): void {
  if (session) localStorage.setItem(STORAGE_KEY, JSON.stringify({ accessToken: session.accessToken, user: session.user }));
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
 * The signed-in session. The access token and user live in localStorage and the refresh token in
 * IndexedDB, bound to a key this browser cannot export (refresh-store.ts), so a reload or a second tab
 * stays signed in while a copied refresh token is useless elsewhere. A refresh token works once (reuse
 * signs the whole session out), so tabs refresh under one Web Lock, and a tab that finds a newer access
 * token stored than the one it holds adopts it instead of spending the refresh token again. The CSP
 * (scripts from the dashboard's own origin only) keeps other scripts away.
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
  const end = useCallback(() => {
    replace(undefined);
    void refreshStore.write(undefined).catch(() => undefined);
  }, [replace]);

  // Refreshing must not go through the retrying client (a 401 there would recurse).
  const refreshClient = useMemo(
    () => createApi(apiUrl, { accessToken: () => undefined, refresh: async () => false, expired: () => undefined }),
    [apiUrl],
  );
  const api = useMemo(
    () =>
      createApi(apiUrl, {
        accessToken: () => sessionRef.current?.accessToken,
        refresh: (refused) =>
          withTabLock(async () => {
            // Renewed meanwhile, by this tab or (through localStorage) another: use that.
            if (sessionRef.current && sessionRef.current.accessToken !== refused) return true;
            const stored = readStored();
            if (stored && stored.accessToken !== refused) {
              replace(stored);
              return true;
            }
            try {
              const held = await refreshStore.read();
              if (!held) return false;
              const pair = await sessionRequests.refresh(refreshClient, held.refreshToken, await proofFor(held, 'refresh'));
              await refreshStore.write({ ...held, refreshToken: pair.refreshToken });
              replace(pair);
              return true;
            } catch {
              return false;
            }
          }),
        expired: end,
      }),
    [apiUrl, refreshClient, replace, end],
  );

  const value = useMemo<SessionContextValue>(
    () => ({
      user: session?.user,
      api,
      accessToken,
      async signIn(email, password) {
        const key = await newProofKey();
        const pair = await sessionRequests.login(refreshClient, email, password, key?.publicKey);
        await refreshStore.write({ refreshToken: pair.refreshToken, ...(key ? { privateKey: key.privateKey } : {}) });
        replace(pair);
      },
      async signOut() {
        const held = await refreshStore.read().catch(() => undefined);
        end();
        if (held) await sessionRequests.logout(refreshClient, held.refreshToken, await proofFor(held, 'logout')).catch(() => undefined);
      },
      can(action, tenantId) {
        const user = session?.user;
        return user ? canByMatrix({ role: user.role, tenants: user.tenantIds }, action, tenantId) : false;
      },
    }),
    [session, api, accessToken, refreshClient, replace, end],
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
