import { useMutation, useQuery, useQueryClient, type QueryKey } from '@tanstack/react-query';
import { call, type Schemas } from '../../api/client';
import { useApi } from '../../auth/session';
import type { LiveEvent } from '../../realtime/event';
import type { Reactions } from '../reactions';

type Technician = Schemas['Technician'];

export const technicianKeys = {
  all: ['technicians'] as const,
  list: (tenantId: string | undefined) => [...technicianKeys.all, tenantId] as const,
};

export const oncallKeys = {
  all: ['oncall'] as const,
  now: (tenantId: string | undefined) => [...oncallKeys.all, 'now', tenantId] as const,
  schedules: (tenantId: string | undefined) => [...oncallKeys.all, 'schedules', tenantId] as const,
};

/** An assignment or a resolution changes a technician's workload. */
export function techniciansStaleAfter(event: LiveEvent): QueryKey[] {
  return /Assigned|Resolved/.test(event.type) ? [technicianKeys.all] : [];
}

/** The technicians as the routing sees them: skills, cap, open incidents. */
export function useTechnicians(tenantId: string | undefined, enabled = true) {
  const api = useApi();
  return useQuery({
    queryKey: technicianKeys.list(tenantId),
    queryFn: () => call(api.GET('/v1/technicians', { params: { query: { tenant: tenantId } } })),
    enabled: Boolean(tenantId) && enabled,
  });
}

/** Who is on call now (re-read every minute: shifts change while the page is open). */
export function useOnCallNow(tenantId: string | undefined) {
  const api = useApi();
  return useQuery({
    queryKey: oncallKeys.now(tenantId),
    queryFn: () => call(api.GET('/v1/oncall/now', { params: { query: { tenant: tenantId } } })),
    enabled: Boolean(tenantId),
    refetchInterval: 60_000,
  });
}

export function useSchedules(tenantId: string | undefined) {
  const api = useApi();
  return useQuery({
    queryKey: oncallKeys.schedules(tenantId),
    queryFn: () => call(api.GET('/v1/oncall/schedules', { params: { query: { tenant: tenantId } } })),
    enabled: Boolean(tenantId),
  });
}

export interface ProfileChange {
  skills: string[];
  maxOpenIncidents: number;
  active: boolean;
}

function sameSkills(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((skill, index) => skill === b[index]);
}

/** Saves a technician's cap and availability, then their skills: only the parts that changed. */
export function useSaveTechnicianProfile(technician: Technician, reactions: Reactions<void, ProfileChange> = {}) {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (input: ProfileChange) => {
      if (input.maxOpenIncidents !== technician.maxOpenIncidents || input.active !== technician.active) {
        await call(
          api.PUT('/v1/technicians/{userId}/profile', {
            params: { path: { userId: technician.userId } },
            body: { maxOpenIncidents: input.maxOpenIncidents, active: input.active },
          }),
        );
      }
      // Skills live on the user (a separate call, which company admins may make only for users of their own companies).
      if (!sameSkills(input.skills, technician.skills)) {
        await call(api.PATCH('/v1/users/{id}', { params: { path: { id: technician.userId } }, body: { skills: input.skills } }));
      }
    },
    // Also after a failure: the first of the two calls may have gone through.
    onSettled: () => queryClient.invalidateQueries({ queryKey: technicianKeys.all }),
    onSuccess: reactions.onSuccess,
    onError: reactions.onError,
  });
}
