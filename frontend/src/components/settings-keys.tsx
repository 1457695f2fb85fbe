import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { call, type Schemas } from '../api/client';
import { useApi, useSession } from '../auth/session';
import { formatDateTime, formatRelative } from '../lib/format';
import { Badge } from './badges';
import { CopyButton } from './copy-button';
import { Dialog } from './dialog';
import { Card, DataTable, Facts } from './layout-parts';
import { ConfirmDialog, FormError, useDialogMounted } from './settings-form';
import { EmptyState, Notice, QueryState } from './states';

type ApiKey = Schemas['ApiKey'];

const KEY_TONES: Record<ApiKey['status'], { value: string; label: string }> = {
  active: { value: 'succeeded', label: 'Active' },
  expiring: { value: 'pending', label: 'Expiring' },
  expired: { value: 'expired', label: 'Expired' },
  revoked: { value: 'failed', label: 'Revoked' },
};

const OVERLAPS = [
  { seconds: 3600, label: '1 hour' },
  { seconds: 86_400, label: '1 day (default)' },
  { seconds: 7 * 86_400, label: '7 days' },
  { seconds: 30 * 86_400, label: '30 days' },
];

/** The integrations answer (keys, signing, setup guide): one query shared by the Keys and Integrations tabs. */
export function useIntegrations(tenantId: string) {
  const api = useApi();
  return useQuery({
    queryKey: ['integrations', tenantId],
    queryFn: () => call(api.GET('/v1/integrations', { params: { query: { tenant: tenantId } } })),
  });
}

interface Revealed {
  title: string;
  what: string;
  secret: string;
  note?: string;
}

/** A secret the API returns once: shown here with a copy button and a warning, never again. */
function SecretDialog({ revealed, onClose }: { revealed: Revealed | undefined; onClose: () => void }) {
  const mounted = useDialogMounted(revealed !== undefined);
  if (!mounted) return null;
  return (
    <Dialog open={revealed !== undefined} title={revealed?.title ?? 'New secret'} onClose={onClose}>
      {revealed ? (
        <div className="secret-box">
          <Notice kind="error">
            <strong>Copy it now:</strong> this {revealed.what} will not be shown again. Only a hash is kept.
          </Notice>
          <code className="secret-value" aria-label={revealed.what} data-testid="revealed-secret">
            {revealed.secret}
          </code>
          {revealed.note ? <p className="muted small">{revealed.note}</p> : null}
          <div className="form-actions">
            <CopyButton text={revealed.secret} label={`Copy ${revealed.what}`} />
            <button type="button" className="button button-primary" onClick={onClose}>
              I have copied it
            </button>
          </div>
        </div>
      ) : null}
    </Dialog>
  );
}

function OverlapSelect({ value, onChange, id }: { value: number; onChange: (seconds: number) => void; id: string }) {
  return (
    <label className="field" htmlFor={id}>
      The old one keeps working for
      <select id={id} value={value} onChange={(event) => onChange(Number(event.target.value))}>
        {OVERLAPS.map((overlap) => (
          <option key={overlap.seconds} value={overlap.seconds}>
            {overlap.label}
          </option>
        ))}
      </select>
    </label>
  );
}

/** API keys (create, rotate, revoke) and the webhook signing secret, for one company. */
export function KeysTab({ tenantId }: { tenantId: string }) {
  const query = useIntegrations(tenantId);
  return (
    <QueryState query={query} loadingLabel="Loading the keys">
      {(data) => <KeysPanel tenantId={tenantId} data={data} />}
    </QueryState>
  );
}

type IntegrationsAnswer = NonNullable<ReturnType<typeof useIntegrations>['data']>;

function KeysPanel({ tenantId, data }: { tenantId: string; data: IntegrationsAnswer }) {
  const api = useApi();
  const { can } = useSession();
  const queryClient = useQueryClient();
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
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['integrations', tenantId] });

  const create = useMutation({
    mutationFn: () => call(api.POST('/v1/integrations/api-keys', { params: { query: { tenant: tenantId } }, body: {} })),
    onSuccess: async (answer) => {
      setNotice(undefined);
      setRevealed({ title: 'New API key', what: 'API key', secret: answer.apiKey, note: `Key ${answer.prefix}… created.` });
      await refresh();
    },
  });
  const rotate = useMutation({
    mutationFn: (key: ApiKey) =>
      call(
        api.POST('/v1/integrations/api-keys/{keyId}/rotate', {
          params: { path: { keyId: key.keyId }, query: { tenant: tenantId } },
          body: { overlapSeconds: overlap },
        }),
      ),
    onSuccess: async (answer) => {
      setRotating(undefined);
      setRevealed({
        title: 'Rotated API key',
        what: 'API key',
        secret: answer.apiKey,
        note: answer.previous.expiresAt
          ? `The previous key keeps working until ${formatDateTime(answer.previous.expiresAt)}: move the tools over before then.`
          : undefined,
      });
      await refresh();
    },
  });
  const revoke = useMutation({
    mutationFn: (key: ApiKey) =>
      call(api.DELETE('/v1/integrations/api-keys/{keyId}', { params: { path: { keyId: key.keyId }, query: { tenant: tenantId } } })),
    onSuccess: async () => {
      setNotice(`Key ${revoking?.prefix ?? ''}… revoked: ingestion refuses it within 30 s.`);
      setRevoking(undefined);
      await refresh();
    },
  });
  const rotateHmac = useMutation({
    mutationFn: () =>
      call(api.POST('/v1/integrations/hmac/rotate', { params: { query: { tenant: tenantId } }, body: { overlapSeconds: overlap } })),
    onSuccess: async (answer) => {
      setRotatingHmac(false);
      setRevealed({
        title: data.hmac.configured ? 'Rotated signing secret' : 'New signing secret',
        what: 'signing secret',
        secret: answer.secret,
        note: answer.previousSecretExpiresAt
          ? `The previous secret stays valid until ${formatDateTime(answer.previousSecretExpiresAt)}.`
          : 'Sign each delivery with it: X-Timestamp and X-Signature headers.',
      });
      await refresh();
    },
  });
  const requireSigning = useMutation({
    mutationFn: (required: boolean) =>
      call(api.PUT('/v1/integrations/hmac', { params: { query: { tenant: tenantId } }, body: { required } })),
    onSuccess: async (answer) => {
      setNotice(
        answer.required ? 'Signed deliveries are now required (within 30 s).' : 'Unsigned deliveries are accepted again (within 30 s).',
      );
      await refresh();
    },
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
            <button type="button" className="button button-primary" onClick={() => create.mutate()} disabled={create.isPending}>
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
        onConfirm={() => rotating && rotate.mutate(rotating)}
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
        onConfirm={() => revoking && revoke.mutate(revoking)}
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
        onConfirm={() => rotateHmac.mutate()}
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
