import { useId, useMemo } from 'react';
import { useFieldArray, useWatch, type UseFormReturn } from 'react-hook-form';
import { FieldError, invalidProps } from '../../components/settings-form';
import { useAssets } from '../assets/hooks';
import type { WindowBody } from './hooks';
import { MATCHER_FIELDS, MATCHER_OPS, newMatcher, type WindowValues } from './window-draft';

/** The API's limit on matchers per window. */
const MAX_MATCHERS = 20;

const OP_LABELS: Record<(typeof MATCHER_OPS)[number], string> = {
  '=': 'is',
  '!=': 'is not',
  '=~': 'matches',
  '!~': 'does not match',
};

/** What a window covers: assets picked from the company's inventory (and what depends on them), and alert matchers. */
export function ScopeFields({
  form,
  tenantId,
  errors,
}: {
  form: UseFormReturn<WindowValues, unknown, WindowBody>;
  tenantId: string;
  errors: Map<string, string>;
}) {
  const formId = useId();
  const fid = (name: string) => `${formId}-${name}`;
  const { register, setValue, control } = form;
  const assets = useAssets(tenantId, Boolean(tenantId));
  const chosen = useWatch({ control, name: 'scope.assetIds' });
  const matchers = useFieldArray({ control, name: 'scope.matchers' });
  const sorted = useMemo(
    () => [...(assets.data?.assets ?? [])].sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true })),
    [assets.data],
  );

  return (
    <fieldset className="fieldset">
      <legend>What it covers</legend>
      <p className="muted small">
        The alerts of the assets picked (all of the company&apos;s when none is) that every matcher selects. Alerts inside the window are
        still stored and correlated.
      </p>
      <fieldset className="fieldset-plain mw-assets" aria-describedby={errors.has('scope.assetIds') ? `${fid('assets')}-error` : undefined}>
        <legend className="field">Assets</legend>
        {assets.isPending ? (
          <p className="muted small">Loading the assets…</p>
        ) : assets.isError ? (
          <p className="form-error small">The assets could not be loaded.</p>
        ) : sorted.length === 0 ? (
          <p className="muted small">The company has no assets yet: the window covers its alerts by matchers only.</p>
        ) : (
          <div className="check-list mw-asset-list">
            {sorted.map((asset) => (
              <label key={asset.id} className="check">
                <input
                  type="checkbox"
                  checked={chosen.includes(asset.id)}
                  onChange={(event) =>
                    setValue('scope.assetIds', event.target.checked ? [...chosen, asset.id] : chosen.filter((id) => id !== asset.id), {
                      shouldDirty: true,
                    })
                  }
                />
                {asset.name}
              </label>
            ))}
          </div>
        )}
        <FieldError errors={errors} path="scope.assetIds" id={fid('assets')} />
      </fieldset>
      <label className="check">
        <input type="checkbox" disabled={chosen.length === 0} {...register('scope.includeDependents')} />
        Also the assets that depend on them <span className="field-hint">(directly or not, from the dependency graph)</span>
      </label>

      <div className="stack mw-matchers">
        <span className="field">Alert matchers</span>
        {matchers.fields.length === 0 ? <p className="muted small">None: every alert of the assets above.</p> : null}
        <datalist id={fid('fields')}>
          {MATCHER_FIELDS.map((field) => (
            <option key={field} value={field} />
          ))}
        </datalist>
        {matchers.fields.map((matcher, index) => {
          const path = `scope.matchers.${index}` as const;
          return (
            <div key={matcher.id} className="mw-matcher-row" role="group" aria-label={`Matcher ${index + 1}`}>
              <label className="field" htmlFor={fid(`field-${index}`)}>
                Field
                <input
                  id={fid(`field-${index}`)}
                  list={fid('fields')}
                  spellCheck={false}
                  {...register(`${path}.field`)}
                  {...invalidProps(errors, `${path}.field`, fid(`field-${index}`))}
                />
                <FieldError errors={errors} path={`${path}.field`} id={fid(`field-${index}`)} />
              </label>
              <label className="field" htmlFor={fid(`op-${index}`)}>
                Operator
                <select id={fid(`op-${index}`)} {...register(`${path}.op`)}>
                  {MATCHER_OPS.map((op) => (
                    <option key={op} value={op}>
                      {op} ({OP_LABELS[op]})
                    </option>
                  ))}
                </select>
              </label>
              <label className="field" htmlFor={fid(`value-${index}`)}>
                Value
                <input
                  id={fid(`value-${index}`)}
                  spellCheck={false}
                  {...register(`${path}.value`)}
                  {...invalidProps(errors, `${path}.value`, fid(`value-${index}`))}
                />
                <FieldError errors={errors} path={`${path}.value`} id={fid(`value-${index}`)} />
              </label>
              <button
                type="button"
                className="button button-ghost button-small mw-matcher-remove"
                aria-label={`Remove matcher ${index + 1}`}
                onClick={() => matchers.remove(index)}
              >
                Remove
              </button>
            </div>
          );
        })}
        {matchers.fields.length < MAX_MATCHERS ? (
          <div>
            <button type="button" className="button button-small" onClick={() => matchers.append({ ...newMatcher })}>
              Add matcher
            </button>
          </div>
        ) : null}
        <span className="field-hint">
          Fields: signature, source, severity or label.&lt;name&gt;. A regular expression (=~, !~) matches the whole value.
        </span>
      </div>
    </fieldset>
  );
}
