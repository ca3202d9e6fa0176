import { Link } from 'wouter';
import { Page } from '../components/Page.js';

export function NotFound() {
  return (
    <Page title="Page not found">
      <p>
        There is no such page here. <Link href="/project">Go to the project overview.</Link>
      </p>
    </Page>
  );
}
