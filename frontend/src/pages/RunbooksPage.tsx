import { PageHeader } from '../components/layout-parts';

export default function RunbooksPage() {
  return <PageHeader title="Runbooks" />;
}
