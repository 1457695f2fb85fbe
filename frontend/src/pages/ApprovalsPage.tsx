import { PageHeader } from '../components/layout-parts';

export default function ApprovalsPage() {
  return <PageHeader title="Approvals" />;
}
