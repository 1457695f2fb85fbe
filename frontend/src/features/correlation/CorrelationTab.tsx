import { useId } from 'react';
import { useCorrelationPolicy, useResetCorrelationPolicy, useSaveCorrelationPolicy } from './hooks';
import type { SavedNotice } from '../../components/settings-form';
import { LoadedPolicy, usePolicyForm, VersionedPolicyForm } from '../policies/versioned-policy-form';
import { correlationDraft } from './correlation-draft';
import type { Answer } from './policy-fields';
import { PairsCard, RulesCard, WindowsCard } from './policy-cards';
import { SimulationCard } from './simulation-card';

/** The correlation policy (windows, rules, related categories) and the simulator that replays recent alerts under the edit. */
export function CorrelationTab({ tenantId }: { tenantId: string }) {
  const query = useCorrelationPolicy(tenantId);
  return (
    <LoadedPolicy query={query} loadingLabel="Loading the correlation policy">
      {(data, saved) => (
        <CorrelationForm tenantId={tenantId} data={data} onReload={saved.reload} notice={saved.notice} setNotice={saved.setNotice} />
      )}
    </LoadedPolicy>
  );
}

function CorrelationForm({
  tenantId,
  data,
  onReload,
  notice,
  setNotice,
}: { tenantId: string; data: Answer; onReload: () => void } & SavedNotice) {
  const formId = useId();
  const save = useSaveCorrelationPolicy(tenantId, {
    onSuccess: () => setNotice('Correlation policy saved: it takes effect within a minute.'),
  });
  const reset = useResetCorrelationPolicy(tenantId, { onSuccess: () => setNotice('Correlation policy reset to the defaults.') });
  const policy = usePolicyForm({ tenantId, data, draft: correlationDraft, save, setNotice });
  const cards = { form: policy.form, errors: policy.errors, editable: policy.editable, formId };

  return (
    <VersionedPolicyForm
      policy={policy}
      label="Correlation policy"
      className="tab-panel-inner"
      what="the correlation policy"
      notice={notice}
      reset={reset}
      resetText={{
        label: 'Reset to defaults',
        title: 'Reset the correlation policy?',
        explained: 'Rules, windows and related categories go back to the defaults; the change takes effect within a minute.',
      }}
      onReload={onReload}
    >
      <RulesCard {...cards} />
      <WindowsCard {...cards} defaults={data.defaults} />
      <PairsCard {...cards} />
      <SimulationCard tenantId={tenantId} form={policy.form} />
    </VersionedPolicyForm>
  );
}
