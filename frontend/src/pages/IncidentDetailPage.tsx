import { PageHeader } from '../components/layout-parts';

export default function IncidentDetailPage() {
  return <PageHeader title="IncidentDetail" />;
}
