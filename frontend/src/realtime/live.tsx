import { useQueryClient } from '@tanstack/react-query';
import { createContext, useCallback, useContext, useEffect, useRef, useState, type ReactNode } from 'react';
import { useSession } from '../auth/session';
import { approvalsStaleAfter } from '../features/approvals/hooks';
import { incidentsStaleAfter } from '../features/incidents/hooks';
import { kpisStaleAfter } from '../features/kpis/hooks';
import { maintenanceStaleAfter } from '../features/maintenance/hooks';
import { probeSession } from '../features/notifications/hooks';
import { techniciansStaleAfter } from '../features/oncall/hooks';
import { executionsStaleAfter } from '../features/runbooks/hooks';
import type { LiveEvent } from './event';

export type LiveStatus = 'connecting' | 'live' | 'offline';

interface LiveContextValue {
  status: LiveStatus;
  /** The newest events first (at most FEED_SIZE), for the live feed. */
  feed: LiveEvent[];
  follow(tenantId: string, incidentId: string): () => void;
}

const FEED_SIZE = 50;
/** API Gateway closes a WebSocket after 10 idle minutes. */
const PING_EVERY_MS = 5 * 60_000;
const MAX_BACKOFF_MS = 30_000;

/** Which cached queries an event makes stale: each feature names its own, from its query-key factory. */
const STALE_AFTER = [
  incidentsStaleAfter,
  kpisStaleAfter,
  approvalsStaleAfter,
  executionsStaleAfter,
  techniciansStaleAfter,
  maintenanceStaleAfter,
];

const LiveContext = createContext<LiveContextValue>({ status: 'offline', feed: [], follow: () => () => undefined });

/**
 * The dashboard's WebSocket: connects with the access token, reconnects with backoff, keeps the
 * connection alive, refreshes the queries an event affects and re-sends incident subscriptions after
 * a reconnect (the server forgets them with the connection).
 */
export function LiveProvider({ wsUrl, children }: { wsUrl: string; children: ReactNode }) {
  const { user, accessToken, api } = useSession();
  const queryClient = useQueryClient();
  const [status, setStatus] = useState<LiveStatus>('connecting');
  const [feed, setFeed] = useState<LiveEvent[]>([]);
  const socketRef = useRef<WebSocket | undefined>(undefined);
  const followed = useRef(new Map<string, number>());

  const userId = user?.id;
  useEffect(() => {
    if (!userId) return;
    let closed = false;
    let attempt = 0;
    let retryTimer: ReturnType<typeof setTimeout> | undefined;
    let pingTimer: ReturnType<typeof setInterval> | undefined;

    const connect = () => {
      const token = accessToken();
      if (!token) return;
      setStatus('connecting');
      const socket = new WebSocket(`${wsUrl}?token=${encodeURIComponent(token)}`);
      socketRef.current = socket;
      let opened = false;
      socket.onopen = () => {
        opened = true;
        attempt = 0;
        setStatus('live');
        for (const key of followed.current.keys()) {
          const [tenantId, incidentId] = key.split('/');
          socket.send(JSON.stringify({ type: 'subscribe', tenantId, incidentId }));
        }
        pingTimer = setInterval(() => socket.send(JSON.stringify({ type: 'ping' })), PING_EVERY_MS);
      };
      socket.onmessage = (message) => {
        let event: LiveEvent;
        try {
          event = JSON.parse(String(message.data)) as LiveEvent;
        } catch {
          return;
        }
        if (typeof event.tenantId !== 'string' || typeof event.at !== 'string') return; // pong, subscribed, errors
        setFeed((previous) => [event, ...previous].slice(0, FEED_SIZE));
        for (const queryKey of STALE_AFTER.flatMap((staleAfter) => staleAfter(event))) void queryClient.invalidateQueries({ queryKey });
      };
      socket.onclose = () => {
        clearInterval(pingTimer);
        if (closed) return;
        setStatus('offline');
        // A refused connection is often a token that expired or was revoked (the user's access changed): one
        // API request finds out, and its 401 renews the session (new access) or ends it (user deleted). A
        // network failure gives no 401 and changes nothing.
        if (!opened) probeSession(api);
        const delay = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** attempt++);
        retryTimer = setTimeout(connect, delay);
      };
    };
    connect();
    return () => {
      closed = true;
      clearTimeout(retryTimer);
      clearInterval(pingTimer);
      const socket = socketRef.current;
      socketRef.current = undefined;
      // Closing a socket that is still connecting makes the browser log a warning: let it open, then close.
      if (socket?.readyState === WebSocket.CONNECTING) socket.onopen = () => socket.close();
      else socket?.close();
    };
  }, [userId, wsUrl, accessToken, api, queryClient]);

  const follow = useCallback((tenantId: string, incidentId: string) => {
    const key = `${tenantId}/${incidentId}`;
    const send = (type: 'subscribe' | 'unsubscribe') => {
      const socket = socketRef.current;
      if (socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ type, tenantId, incidentId }));
    };
    const count = followed.current.get(key) ?? 0;
    followed.current.set(key, count + 1);
    if (count === 0) send('subscribe');
    return () => {
      const remaining = (followed.current.get(key) ?? 1) - 1;
      if (remaining > 0) return void followed.current.set(key, remaining);
      followed.current.delete(key);
      send('unsubscribe');
    };
  }, []);

  return <LiveContext.Provider value={{ status, feed, follow }}>{children}</LiveContext.Provider>;
}

export function useLive(): LiveContextValue {
  return useContext(LiveContext);
}

/** Receive an incident's progress events (IncidentUpdated, ExecutionStarted/Finished) while mounted. */
export function useFollowIncident(tenantId: string | undefined, incidentId: string | undefined): void {
  const { follow } = useLive();
  useEffect(() => (tenantId && incidentId ? follow(tenantId, incidentId) : undefined), [tenantId, incidentId, follow]);
}
