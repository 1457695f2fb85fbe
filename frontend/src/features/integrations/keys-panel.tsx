import { useId, useState } from 'react';
import { useSession } from '../../auth/session';
import type { useIntegrations } from './hooks';
import { useIntegrationChange } from './hooks';
import { formatDateTime, formatRelative } from '../../lib/format';
import { Badge } from '../../components/badges';
import { Card, DataTable, Facts } from '../../components/layout-parts';
import { ConfirmDialog, FormError } from '../../components/settings-form';
import { EmptyState, Notice } from '../../components/states';
import { type ApiKey, type Revealed, SecretDialog, OverlapSelect } from './key-dialogs';

const KEY_TONES: Record<ApiKey['status'], { value: string; label: string }> = {
  active: { value: 'succeeded', label: 'Active' },
  expiring: { value: 'pending', label: 'Expiring' },
  expired: { value: 'expired', label: 'Expired' },
  revoked: { value: 'failed', label: 'Revoked' },
};

type IntegrationsAnswer = NonNullable<ReturnType<typeof useIntegrations>['data']>;

export function KeysPanel({ tenantId, data }: { tenantId: string; data: IntegrationsAnswer }) {
  const { can } = useSession();
  const formId = useId();
  const writable = can('integration.write', tenantId);
  const [revealed, setRevealed] = useState<Revealed | undefined>();
  const [notice, setNotice] = useState<string | undefined>();
  const [rotating, setRotating] = useState<ApiKey | undefined>();
  const [revoking, setRevoking] = useState<ApiKey | undefined>();
  const [rotatingHmac, setRotatingHmac] = useState(false);
  const [overlap, setOverlap] = useState(86_400);
  /** The box as clicked, until the saved setting is read back. */
  const [pendingRequired, setPendingRequired] = useState<boolean | undefined>();
  const create = useIntegrationChange(tenantId, 'createKey', {
    onSuccess: (answer) => {
      setNotice(undefined);
      setRevealed({ title: 'New API key', what: 'API key', secret: answer.apiKey, note: `Key ${answer.prefix}… created.` });
    },
  });
  const rotate = useIntegrationChange(tenantId, 'rotateKey', {
    onSuccess: (answer) => {
      setRotating(undefined);
      setRevealed({
        title: 'Rotated API key',
        what: 'API key',
        secret: answer.apiKey,
        note: answer.previous.expiresAt
          ? `The previous key keeps working until ${formatDateTime(answer.previous.expiresAt)}: move the tools over before then.`
          : undefined,
      });
    },
  });
  const revoke = useIntegrationChange(tenantId, 'revokeKey', {
    onSuccess: () => {
      setNotice(`Key ${revoking?.prefix ?? ''}… revoked: ingestion refuses it within 30 s.`);
      setRevoking(undefined);
    },
  });
  const rotateHmac = useIntegrationChange(tenantId, 'rotateHmac', {
    onSuccess: (answer) => {
      setRotatingHmac(false);
      setRevealed({
        title: data.hmac.configured ? 'Rotated signing secret' : 'New signing secret',
        what: 'signing secret',
        secret: answer.secret,
        note: answer.previousSecretExpiresAt
          ? `The previous secret stays valid until ${formatDateTime(answer.previousSecretExpiresAt)}.`
          : 'Sign each delivery with it: X-Timestamp and X-Signature headers.',
      });
    },
  });
  const requireSigning = useIntegrationChange(tenantId, 'requireSigning', {
    onSuccess: (answer) =>
      setNotice(
        answer.required ? 'Signed deliveries are now required (within 30 s).' : 'Unsigned deliveries are accepted again (within 30 s).',
      ),
    onSettled: () => setPendingRequired(undefined),
  });

  const keys = [...data.apiKeys].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  const activeKeys = keys.filter((key) => key.status === 'active' || key.status === 'expiring').length;

  return (
    <>
      {!writable ? (
        <Notice kind="info">Your role can see the keys but not create, rotate or revoke them: ask a company admin.</Notice>
      ) : null}
      {notice ? <Notice kind="success">{notice}</Notice> : null}
      <Card
        title="Webhook API keys"
        actions={
          writable ? (
            <button type="button" className="button button-primary" onClick={() => create.mutate(undefined)} disabled={create.isPending}>
              {create.isPending ? 'Creating…' : 'Create key'}
            </button>
          ) : null
        }
      >
        <p className="card-description">
          Monitoring tools send a key with every delivery (X-Api-Key or Authorization: Bearer header, or api_key parameter). Keys are stored
          as hashes: the prefix tells them apart. {data.cacheNote}
        </p>
        {create.error ? <FormError error={create.error} title="No key created." /> : null}
        {keys.length === 0 ? (
          <EmptyState title="No API keys yet">{writable ? 'Create a key, then paste it into the monitoring tools.' : null}</EmptyState>
        ) : (
          <DataTable caption="API keys">
            <thead>
              <tr>
                <th scope="col">Key</th>
                <th scope="col">Status</th>
                <th scope="col">Created</th>
                <th scope="col">Expires / revoked</th>
                {writable ? (
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                ) : null}
              </tr>
            </thead>
            <tbody>
              {keys.map((key) => {
                const tone = KEY_TONES[key.status];
                const usable = key.status === 'active' || key.status === 'expiring';
                return (
                  <tr key={key.keyId} data-testid="api-key-row">
                    <th scope="row">
                      <code className="nowrap" title={`Key id ${key.keyId}`}>
                        {key.prefix}…
                      </code>
                    </th>
                    <td>
                      <Badge value={tone.value} label={tone.label} />
                    </td>
                    <td className="nowrap">
                      {formatDateTime(key.createdAt)}
                      <span className="cell-sub">
                        {formatRelative(key.createdAt)}
                        {key.createdBy ? ` by ${key.createdBy.email}` : ''}
                      </span>
                    </td>
                    <td className="nowrap">
                      {key.revokedAt ? (
                        `Revoked ${formatDateTime(key.revokedAt)}`
                      ) : key.expiresAt ? (
                        formatDateTime(key.expiresAt)
                      ) : (
                        <span className="muted">Never</span>
                      )}
                    </td>
                    {writable ? (
                      <td>
                        {usable ? (
                          <div className="row row-nowrap">
                            <button
                              type="button"
                              className="button button-small"
                              aria-label={`Rotate key ${key.prefix}`}
                              onClick={() => {
                                rotate.reset();
                                setRotating(key);
                              }}
                            >
                              Rotate
                            </button>
                            <button
                              type="button"
                              className="button button-small button-danger"
                              aria-label={`Revoke key ${key.prefix}`}
                              onClick={() => {
                                revoke.reset();
                                setRevoking(key);
                              }}
                            >
                              Revoke
                            </button>
                          </div>
                        ) : null}
                      </td>
                    ) : null}
                  </tr>
                );
              })}
            </tbody>
          </DataTable>
        )}
        {activeKeys === 0 && keys.length > 0 ? (
          <Notice kind="error">No usable key: every delivery from the monitoring tools is refused until you create one.</Notice>
        ) : null}
      </Card>

      <Card
        title="Webhook signing (HMAC)"
        actions={
          writable ? (
            <button
              type="button"
              className="button"
              onClick={() => {
                rotateHmac.reset();
                setRotatingHmac(true);
              }}
            >
              {data.hmac.configured ? 'Rotate signing secret' : 'Create signing secret'}
            </button>
          ) : null
        }
      >
        <p className="card-description">
          With a signing secret, each delivery can prove it comes from your tool: {data.signing.headers.join(' and ')} headers, where the
          signature is {data.signing.signature}.
        </p>
        <Facts
          items={[
            [
              'Signing secret',
              data.hmac.configured ? <Badge key="c" value="succeeded" label="Set" /> : <Badge key="c" value="neutral" label="Not set" />,
            ],
            [
              'Signed deliveries',
              data.hmac.required ? <Badge key="r" value="running" label="Required" /> : <Badge key="r" value="neutral" label="Optional" />,
            ],
            ['Previous secret valid until', data.hmac.previousSecretExpiresAt ? formatDateTime(data.hmac.previousSecretExpiresAt) : '—'],
            ['Rate limit', `${data.rateLimit.perMinute} alerts/min, bursts of ${data.rateLimit.burst}`],
          ]}
        />
        {writable ? (
          <div className="stack hmac-require">
            <label className="check">
              <input
                type="checkbox"
                checked={pendingRequired ?? data.hmac.required}
                disabled={!data.hmac.configured || requireSigning.isPending}
                onChange={(event) => {
                  setPendingRequired(event.target.checked);
                  requireSigning.mutate(event.target.checked);
                }}
              />
              Refuse unsigned deliveries
              {!data.hmac.configured ? <span className="muted small">(create a signing secret first)</span> : null}
            </label>
            {requireSigning.error ? <FormError error={requireSigning.error} /> : null}
          </div>
        ) : null}
      </Card>

      <ConfirmDialog
        open={rotating !== undefined}
        title={`Rotate key ${rotating?.prefix ?? ''}…`}
        confirmLabel="Rotate key"
        busy={rotate.isPending}
        onConfirm={() => rotating && rotate.mutate({ keyId: rotating.keyId, overlapSeconds: overlap })}
        onClose={() => setRotating(undefined)}
      >
        <div className="stack">
          <p>A new key is created and shown once; the old one keeps working for a while so the tools can be moved over.</p>
          <OverlapSelect id={`${formId}-key-overlap`} value={overlap} onChange={setOverlap} />
          {rotate.error ? <FormError error={rotate.error} title="Not rotated." /> : null}
        </div>
      </ConfirmDialog>
      <ConfirmDialog
        open={revoking !== undefined}
        title={`Revoke key ${revoking?.prefix ?? ''}…`}
        confirmLabel="Revoke key"
        danger
        busy={revoke.isPending}
        onConfirm={() => revoking && revoke.mutate(revoking.keyId)}
        onClose={() => setRevoking(undefined)}
      >
        <p>Deliveries with this key are refused within 30 seconds. This cannot be undone.</p>
        {revoke.error ? <FormError error={revoke.error} title="Not revoked." /> : null}
      </ConfirmDialog>
      <ConfirmDialog
        open={rotatingHmac}
        title={data.hmac.configured ? 'Rotate the signing secret' : 'Create a signing secret'}
        confirmLabel={data.hmac.configured ? 'Rotate secret' : 'Create secret'}
        busy={rotateHmac.isPending}
        onConfirm={() => rotateHmac.mutate(overlap)}
        onClose={() => setRotatingHmac(false)}
      >
        <div className="stack">
          <p>The new secret is shown once.</p>
          {data.hmac.configured ? <OverlapSelect id={`${formId}-hmac-overlap`} value={overlap} onChange={setOverlap} /> : null}
          {rotateHmac.error ? <FormError error={rotateHmac.error} title="Not rotated." /> : null}
        </div>
      </ConfirmDialog>
      <SecretDialog revealed={revealed} onClose={() => setRevealed(undefined)} />
    </>
  );
}
