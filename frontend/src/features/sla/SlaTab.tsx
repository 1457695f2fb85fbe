import { SlaPolicyCard } from './sla-policy-form';
import { EscalationCard } from './escalation-form';

/** The SLA tab: response and resolution targets with their warnings, then the escalation chain. */
export function SlaTab({ tenantId }: { tenantId: string }) {
  return (
    <>
      <SlaPolicyCard tenantId={tenantId} />
      <EscalationCard tenantId={tenantId} />
    </>
  );
}
