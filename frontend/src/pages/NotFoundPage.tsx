import { Link } from 'react-router';
import { EmptyState } from '../components/states';

export default function NotFoundPage() {
  return (
    <EmptyState title="This page does not exist">
      <Link to="/">Back to the overview</Link>
    </EmptyState>
  );
}
