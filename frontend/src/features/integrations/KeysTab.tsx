import { useIntegrations } from './hooks';
import { QueryState } from '../../components/states';
import { KeysPanel } from './keys-panel';

/** API keys (create, rotate, revoke) and the webhook signing secret, for one company. */
export function KeysTab({ tenantId }: { tenantId: string }) {
  const query = useIntegrations(tenantId);
  return (
    <QueryState query={query} loadingLabel="Loading the keys">
      {(data) => <KeysPanel tenantId={tenantId} data={data} />}
    </QueryState>
  );
}
