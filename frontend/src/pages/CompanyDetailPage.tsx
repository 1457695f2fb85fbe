import { PageHeader } from '../components/layout-parts';

export default function CompanyDetailPage() {
  return <PageHeader title="CompanyDetail" />;
}
