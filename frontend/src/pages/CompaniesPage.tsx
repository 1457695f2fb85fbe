import { PageHeader } from '../components/layout-parts';

export default function CompaniesPage() {
  return <PageHeader title="Companies" />;
}
