import { useState } from 'react';
import { useChannels } from './hooks';
import { Card } from '../../components/layout-parts';
import { QueryState } from '../../components/states';
import { ChannelsForm } from './channels-form';
import { MyPreferences } from './preferences-form';
import { MyPhone } from './phone-card';

/** The company's channels (Slack, Teams, outbound webhook, email sender), then the signed-in user's own preferences. */
export function NotificationsTab({ tenantId }: { tenantId: string }) {
  const channels = useChannels(tenantId);
  const [notice, setNotice] = useState<string | undefined>();
  return (
    <>
      <Card title="Company channels">
        <p className="card-description">
          Where incident notifications for this company go besides each person&apos;s email. Webhook URLs are secrets: only their origin and
          last characters are shown once saved.
        </p>
        <QueryState query={channels} loadingLabel="Loading the channels">
          {(data) => <ChannelsForm key={data.updatedAt ?? 'none'} tenantId={tenantId} data={data} notice={notice} setNotice={setNotice} />}
        </QueryState>
      </Card>
      <MyPreferences />
      <MyPhone />
    </>
  );
}
