import { PageHeader } from '../components/layout-parts';

export default function OverviewPage() {
  return <PageHeader title="Overview" />;
}
