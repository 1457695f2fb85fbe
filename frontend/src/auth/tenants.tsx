import { createContext, useContext, useMemo, useState, type ReactNode } from 'react';
import type { Schemas } from '../api/client';
import { useTenantList } from '../features/tenants/hooks';
import { useSession } from './session';

export type Tenant = Schemas['Tenant'];

interface TenantScope {
  /** The companies the user may see (all of them for MSP admins). */
  tenants: Tenant[];
  loading: boolean;
  /** The company the pages are narrowed to; undefined = all the user may see. */
  selected: string | undefined;
  select(tenantId: string | undefined): void;
  /** The tenant for a form that needs exactly one: the selected one, else the first. */
  current: string | undefined;
  nameOf(tenantId: string): string;
}

const STORAGE_KEY = 'alert-whisperer.company';
const TenantContext = createContext<TenantScope | undefined>(undefined);

/** Which company the dashboard shows: the header's picker, remembered across reloads. */
export function TenantProvider({ children }: { children: ReactNode }) {
  const { user } = useSession();
  const query = useTenantList(user?.id);
  const [selected, setSelected] = useState<string | undefined>(() => localStorage.getItem(STORAGE_KEY) ?? undefined);
  const value = useMemo<TenantScope>(() => {
    const tenants = query.data?.tenants ?? [];
    // A remembered company the user can no longer see (another user signed in) is ignored.
    const visible = selected && tenants.some((tenant) => tenant.id === selected) ? selected : undefined;
    const names = new Map(tenants.map((tenant) => [tenant.id, tenant.name]));
    return {
      tenants,
      loading: query.isPending,
      selected: visible,
      current: visible ?? tenants[0]?.id,
      select(tenantId) {
        if (tenantId) localStorage.setItem(STORAGE_KEY, tenantId);
        else localStorage.removeItem(STORAGE_KEY);
        setSelected(tenantId);
      },
      nameOf: (tenantId) => names.get(tenantId) ?? tenantId,
    };
  }, [query.data, query.isPending, selected]);
  return <TenantContext.Provider value={value}>{children}</TenantContext.Provider>;
}

export function useTenants(): TenantScope {
  const value = useContext(TenantContext);
  if (!value) throw new Error('useTenants outside TenantProvider');
  return value;
}
