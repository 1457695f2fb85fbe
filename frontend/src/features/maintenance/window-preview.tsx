import { useEffect, useState } from 'react';
import { errorMessage } from '../../components/states';
import { useWindowPreview, type WindowBody } from './hooks';
import { formatSpan } from './window-parts';

/** How long the draft must stay unchanged before the preview asks the API about it. */
const DEBOUNCE_MS = 400;
const LISTED_ASSETS = 8;

/** `value` once it has stopped changing for `ms` (compared by its JSON: a new object with the same fields is the same draft). */
function useSettled<T>(value: T, ms: number): T {
  const json = JSON.stringify(value);
  const [settled, setSettled] = useState<{ json: string | undefined; value: T }>({ json, value });
  useEffect(() => {
    if (json === settled.json) return;
    const timer = setTimeout(() => setSettled({ json, value: json === undefined ? (undefined as T) : (JSON.parse(json) as T) }), ms);
    return () => clearTimeout(timer);
  }, [json, ms, settled.json]);
  return settled.value;
}

/**
 * What the window being edited would do, from the API (the preview endpoint), asked again a moment after
 * each change: the assets it covers, the firing alerts it would hold now, its next occurrences.
 */
export function WindowPreview({ tenantId, body, companyName }: { tenantId: string; body: WindowBody | undefined; companyName: string }) {
  const settled = useSettled(body ? { tenantId, body } : undefined, DEBOUNCE_MS);
  const preview = useWindowPreview(settled?.tenantId ?? tenantId, settled?.body);
  const data = preview.data;
  const waiting = !body || (body && !settled) || preview.isFetching;
  return (
    <section className="mw-preview" aria-labelledby="mw-preview-heading" data-testid="window-preview">
      <h3 id="mw-preview-heading">
        Preview{' '}
        <span className="muted small" aria-live="polite">
          {waiting && body ? 'updating…' : ''}
        </span>
      </h3>
      {!body ? (
        <p className="muted small">Complete the fields to see what the window would cover.</p>
      ) : preview.isError ? (
        <p className="form-error small">{errorMessage(preview.error)}</p>
      ) : !data ? (
        <p className="muted small">Asking the API…</p>
      ) : (
        <dl className="mw-preview-facts">
          <div>
            <dt>Covers</dt>
            <dd data-testid="preview-assets">
              {data.allAssets ? (
                `Every asset of ${companyName}${body.scope?.matchers?.length ? ', for the alerts the matchers select' : ''}`
              ) : data.assets.length === 0 ? (
                'No asset of the company'
              ) : (
                <>
                  {data.assets.length} asset{data.assets.length === 1 ? '' : 's'}:{' '}
                  {data.assets
                    .slice(0, LISTED_ASSETS)
                    .map((asset) => asset.name)
                    .join(', ')}
                  {data.assets.length > LISTED_ASSETS ? ` and ${data.assets.length - LISTED_ASSETS} more` : ''}
                </>
              )}
            </dd>
          </div>
          <div>
            <dt>Firing alerts it would hold now</dt>
            <dd data-testid="preview-alerts">{data.currentAlerts}</dd>
          </div>
          <div>
            <dt>Next occurrences</dt>
            <dd>
              {data.occurrences.length === 0 ? (
                'None in the next 60 days'
              ) : (
                <ol className="mw-occurrences" data-testid="preview-occurrences">
                  {data.occurrences.map((occurrence) => (
                    <li key={occurrence.startsAt}>{formatSpan(occurrence)}</li>
                  ))}
                </ol>
              )}
            </dd>
          </div>
        </dl>
      )}
    </section>
  );
}
