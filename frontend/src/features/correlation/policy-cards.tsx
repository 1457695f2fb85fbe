import { useState } from 'react';
import { CATEGORIES } from '../../../../lib/domain/correlation/categories';
import { Card } from '../../components/layout-parts';
import { FieldError, formatMinutes, invalidProps } from '../../components/settings-form';
import type { CorrelationForm } from './correlation-draft';
import { type Category, type LoosePolicy, type Pair, categoryLabel, RULES, WINDOWS } from './policy-fields';

/** The API keeps at most this many pairs. */
const MAX_PAIRS = 64;

interface CardProps {
  form: CorrelationForm;
  errors: Map<string, string>;
  editable: boolean;
  /** Prefix of the inputs' ids. */
  formId: string;
}

export function RulesCard({ form, editable }: Pick<CardProps, 'form' | 'editable'>) {
  return (
    <Card title="Rules">
      <p className="card-description">How alerts are grouped into incidents, on top of the same fingerprint (asset and signature).</p>
      <div className="stack">
        {RULES.map((rule) => (
          <label key={rule.field} className="check">
            <input type="checkbox" disabled={!editable} {...form.register(`rules.${rule.field}`)} />
            <strong>{rule.label}</strong>
            <span className="muted small">{rule.hint}</span>
          </label>
        ))}
      </div>
    </Card>
  );
}

export function WindowsCard({ form, errors, editable, formId, defaults }: CardProps & { defaults: LoosePolicy }) {
  return (
    <Card title="Windows">
      <div className="form-grid">
        {WINDOWS.map(({ field, label, hint, max }) => {
          const id = `${formId}-${field}`;
          return (
            <label key={field} className="field" htmlFor={id}>
              {label} (minutes)
              <input
                id={id}
                type="number"
                min={0}
                max={max / 60}
                step="any"
                disabled={!editable}
                {...form.register(field)}
                {...invalidProps(errors, field, id)}
              />
              <span className="field-hint">
                {hint} Default {formatMinutes(defaults[field] / 60)}.
              </span>
              <FieldError errors={errors} path={field} id={id} />
            </label>
          );
        })}
      </div>
    </Card>
  );
}

/** A pair is the same either way round. */
const pairKey = (pair: Pair) => [...pair].sort().join('|');

export function PairsCard({ form, errors, editable, formId }: CardProps) {
  const pairs = form.watch('relatedCategories');
  const [newPair, setNewPair] = useState<Pair>(['disk', 'service']);
  const setPairs = (next: Pair[]) => form.setValue('relatedCategories', next, { shouldDirty: true });
  const addPair = () => {
    if (!pairs.some((pair) => pairKey(pair) === pairKey(newPair))) setPairs([...pairs, newPair]);
  };

  return (
    <Card title="Related categories">
      <p className="card-description">
        Category pairs with a known causal chain on one asset (both directions): a full disk and a failing database join one incident.
      </p>
      <ul className="pair-list" aria-label="Related category pairs">
        {pairs.map((pair) => (
          <li key={pairKey(pair)} className={`pair-chip${editable ? '' : ' pair-chip-static'}`}>
            {categoryLabel(pair[0])} ↔ {categoryLabel(pair[1])}
            {editable ? (
              <button
                type="button"
                aria-label={`Remove ${pair[0]} and ${pair[1]}`}
                onClick={() => setPairs(pairs.filter((other) => pairKey(other) !== pairKey(pair)))}
              >
                ×
              </button>
            ) : null}
          </li>
        ))}
        {pairs.length === 0 ? <li className="muted small">No pairs: only the same category joins on an asset.</li> : null}
      </ul>
      <FieldError errors={errors} path="relatedCategories" id={`${formId}-pairs`} />
      {editable ? (
        <div className="filters pair-add">
          <CategoryPicker label="Category" value={newPair[0]} onChange={(category) => setNewPair([category, newPair[1]])} />
          <CategoryPicker label="Related to" value={newPair[1]} onChange={(category) => setNewPair([newPair[0], category])} />
          <button type="button" className="button" onClick={addPair} disabled={pairs.length >= MAX_PAIRS}>
            Add pair
          </button>
        </div>
      ) : null}
    </Card>
  );
}

const isCategory = (value: string): value is Category => CATEGORIES.some((category) => category === value);

function CategoryPicker({ label, value, onChange }: { label: string; value: Category; onChange: (category: Category) => void }) {
  return (
    <label>
      {label}
      <select
        value={value}
        onChange={(event) => {
          if (isCategory(event.target.value)) onChange(event.target.value);
        }}
      >
        {CATEGORIES.map((category) => (
          <option key={category} value={category}>
            {categoryLabel(category)}
          </option>
        ))}
      </select>
    </label>
  );
}
