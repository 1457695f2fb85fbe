import { useState } from 'react';
import { Card } from '../../components/layout-parts';
import { FormError } from '../../components/settings-form';
import type { CorrelationForm } from './correlation-draft';
import { useSimulateCorrelation } from './hooks';
import { SimulationResult } from './simulation-result';

const HOUR_MS = 3_600_000;

/** Replays recent alerts under the edited policy, once the form's values pass the same checks as a save. */
export function SimulationCard({ tenantId, form }: { tenantId: string; form: CorrelationForm }) {
  const [hours, setHours] = useState('24');
  const simulate = useSimulateCorrelation(tenantId);
  const run = form.handleSubmit((policy) => {
    const to = new Date();
    const from = new Date(to.getTime() - Number(hours) * HOUR_MS);
    simulate.mutate({ policy, from: from.toISOString(), to: to.toISOString() });
  });

  return (
    <Card title="Simulate on recent alerts">
      <p className="card-description">
        Replays the company’s recent alerts under the current policy and under the form above, in memory: nothing is saved or changed.
      </p>
      <div className="filters">
        <label>
          Period
          <select value={hours} onChange={(event) => setHours(event.target.value)}>
            <option value="24">Last 24 hours</option>
            <option value="72">Last 3 days</option>
            <option value="168">Last 7 days</option>
          </select>
        </label>
        <button type="button" className="button" onClick={() => void run()} disabled={simulate.isPending}>
          {simulate.isPending ? 'Simulating…' : 'Run simulation'}
        </button>
      </div>
      {simulate.error ? <FormError error={simulate.error} title="Simulation failed." /> : null}
      {simulate.data ? <SimulationResult result={simulate.data} /> : null}
    </Card>
  );
}
