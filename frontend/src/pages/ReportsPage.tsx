import { PageHeader } from '../components/layout-parts';

export default function ReportsPage() {
  return <PageHeader title="Reports" />;
}
