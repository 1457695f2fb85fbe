import { PageHeader } from '../components/layout-parts';

export default function SettingsPage() {
  return <PageHeader title="Settings" />;
}
