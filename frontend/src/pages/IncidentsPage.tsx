import { PageHeader } from '../components/layout-parts';

export default function IncidentsPage() {
  return <PageHeader title="Incidents" />;
}
