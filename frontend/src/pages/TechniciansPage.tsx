import { PageHeader } from '../components/layout-parts';

export default function TechniciansPage() {
  return <PageHeader title="Technicians" />;
}
