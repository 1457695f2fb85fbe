import { zodResolver } from '@hookform/resolvers/zod';
import type { UseQueryResult } from '@tanstack/react-query';
import { Fragment, useState, type BaseSyntheticEvent, type ComponentProps, type ReactNode } from 'react';
import { useForm, type DefaultValues, type FieldValues, type UseFormReturn } from 'react-hook-form';
import type * as z from 'zod';
import { useSession } from '../../auth/session';
import { ReadOnlyNotice, SettingsFormFooter, fieldErrors, type SavedNotice } from '../../components/settings-form';
import { QueryState } from '../../components/states';
import { formErrors } from '../form-errors';
import { ConflictHint } from '../sla/conflict-hint';

/**
 * A tenant's versioned policy (SLA targets, escalation chain, correlation policy) as one kind of form: read
 * with the feature's query, edited with react-hook-form and checked by the API's own schema before any
 * request, saved naming the version it was read at. Each policy brings its draft module (how the policy
 * becomes the form's values and the values the change) and its fields; the rest is here.
 */

/** What a policy's GET, PUT and DELETE answer. The correlation policy's routes name no version. */
interface PolicyAnswer<P> {
  policy: P;
  defaults: P;
  version?: number;
  updatedAt?: string;
  updatedBy?: string;
}

/** How a policy becomes the form's values, and the values the change the API checks. */
export interface PolicyDraft<P, Values extends FieldValues, Change> {
  valuesOf: (policy: P) => DefaultValues<Values>;
  /** The values checked as the change they become, by the API's own schema, so a field shows the API's message. */
  schema: z.ZodType<Change, Values>;
}

/** A save as a feature's mutation hook gives it: the change, with the version it is based on where the policy has one. */
interface SaveMutation<Change> {
  mutate: (body: Change | (Change & { version: number })) => void;
  isPending: boolean;
  error: unknown;
}

type ResetMutation = ComponentProps<typeof SettingsFormFooter>['reset'];

/** What the form around the fields needs of `usePolicyForm`. */
interface PolicyFormState {
  submit: (event?: BaseSyntheticEvent) => Promise<void>;
  data: PolicyAnswer<unknown>;
  save: Pick<SaveMutation<unknown>, 'isPending' | 'error'>;
  editable: boolean;
}

/**
 * The loaded policy, its form remounted with each version (a save, a reset, the latest version after a
 * conflict); the outcome of the last save stays above the remount.
 */
export function LoadedPolicy<A extends PolicyAnswer<unknown>>({
  query,
  loadingLabel,
  children,
}: {
  query: UseQueryResult<A>;
  loadingLabel: string;
  children: (data: A, saved: SavedNotice & { reload: () => void }) => ReactNode;
}) {
  const [notice, setNotice] = useState<string | undefined>();
  const reload = () => void query.refetch();
  return (
    <QueryState query={query} loadingLabel={loadingLabel}>
      {(data) => (
        // A new version is a new form, with the values it was read with.
        <Fragment key={`${data.version ?? ''}:${data.updatedAt ?? 'defaults'}`}>{children(data, { notice, setNotice, reload })}</Fragment>
      )}
    </QueryState>
  );
}

/** The form of one version of a policy: its values, the checked change, the API's and the schema's messages by field. */
export function usePolicyForm<P, Values extends FieldValues, Change>({
  tenantId,
  data,
  draft,
  save,
  setNotice,
}: {
  tenantId: string;
  data: PolicyAnswer<P>;
  draft: PolicyDraft<P, Values, Change>;
  save: SaveMutation<Change>;
  setNotice: SavedNotice['setNotice'];
}) {
  const { can } = useSession();
  const form = useForm<Values, unknown, Change>({ defaultValues: draft.valuesOf(data.policy), resolver: zodResolver(draft.schema) });
  const errors = new Map([...fieldErrors(save.error), ...formErrors(form.formState.errors)]);
  const submit = form.handleSubmit((change) => {
    setNotice(undefined);
    save.mutate(data.version === undefined ? change : { ...change, version: data.version });
  });
  return { form, errors, submit, data, save, editable: can('settings.update', tenantId) };
}

export type PolicyForm<Values extends FieldValues, Change> = UseFormReturn<Values, unknown, Change>;

/** The form around a policy's fields: read-only for a role that may only look, then who changed it, the outcome, Save and reset. */
export function VersionedPolicyForm({
  policy: { submit, data, save, editable },
  label,
  className,
  what,
  notice,
  reset,
  resetText,
  onReload,
  children,
}: {
  policy: PolicyFormState;
  /** The form's accessible name. */
  label: string;
  className: string;
  /** What the read-only notice names ("the SLA policy"). */
  what: string;
  notice: string | undefined;
  reset: ResetMutation;
  resetText: { label: string; title: string; explained: ReactNode };
  onReload: () => void;
  children: ReactNode;
}) {
  return (
    <form className={className} onSubmit={submit} noValidate aria-label={label}>
      {!editable ? <ReadOnlyNotice what={what} /> : null}
      {children}
      <SettingsFormFooter
        changed={data}
        editable={editable}
        // Saved or reset at least once: the stored policy may differ from the defaults.
        canReset={Boolean(data.updatedAt)}
        notice={notice}
        save={save}
        reset={reset}
        resetLabel={resetText.label}
        resetTitle={resetText.title}
        resetExplained={resetText.explained}
        extra={<ConflictHint error={save.error} onReload={onReload} />}
      />
    </form>
  );
}
