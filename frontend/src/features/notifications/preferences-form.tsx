import { zodResolver } from '@hookform/resolvers/zod';
import { useId, useMemo, useState, type FormEvent } from 'react';
import { useForm } from 'react-hook-form';
import { useMyPreferences, useSaveMyPreferences } from './hooks';
import { humanize } from '../../lib/format';
import { Card, DataTable } from '../../components/layout-parts';
import { FieldError, FormError, type SavedNotice, fieldErrors, invalidProps } from '../../components/settings-form';
import { Notice, QueryState } from '../../components/states';
import { formErrors } from '../form-errors';
import {
  type PhoneChannel,
  type Severity,
  type UserChannel,
  KIND_LABELS,
  PHONE_CHANNELS,
  SEVERITY_LABELS,
  USER_CHANNELS,
  WEEKDAYS,
} from './choices';
import {
  type Preferences,
  type PreferencesDraft,
  preferencesChangeOf,
  preferencesDraftOf,
  preferencesFormSchema,
} from './preferences-draft';

export function MyPreferences() {
  const query = useMyPreferences();
  const [notice, setNotice] = useState<string | undefined>();
  return (
    <Card title="My notifications">
      <p className="card-description">
        How you are told about each kind of event, in every company you work for. During quiet hours, email, Slack, Teams, SMS and calls
        wait (critical incidents never wait); the dashboard feed is always on.
      </p>
      <QueryState query={query} loadingLabel="Loading your preferences">
        {(data) => <PreferencesForm key={data.updatedAt ?? 'defaults'} data={data} notice={notice} setNotice={setNotice} />}
      </QueryState>
    </Card>
  );
}

function PreferencesForm({ data, notice, setNotice }: { data: Preferences } & SavedNotice) {
  const formId = useId();
  const kinds = Object.keys(data.defaults);
  const { register, handleSubmit, watch, setValue, formState } = useForm<PreferencesDraft>({
    defaultValues: preferencesDraftOf(data),
    // The time zone and quiet hours are checked as the API checks them, before a request.
    resolver: zodResolver(preferencesFormSchema(data.defaults), undefined, { raw: true }),
  });
  const zones = useMemo(() => {
    try {
      return Intl.supportedValuesOf('timeZone');
    } catch {
      return [];
    }
  }, []);

  const save = useSaveMyPreferences({ onSuccess: () => setNotice('Your notification preferences are saved.') });
  const errors = new Map([...fieldErrors(save.error), ...formErrors(formState.errors)]);
  const fid = (name: string) => `${formId}-${name}`;
  const channels = watch('channels');
  const quiet = watch('quiet');
  const working = watch('working');
  const workingHours = watch('workingHours');
  const days = watch('quietHours.days');
  const toggle = (kind: string, channel: UserChannel, on: boolean) => {
    const list = channels[kind] ?? [];
    setValue(
      'channels',
      { ...channels, [kind]: on ? [...list, channel] : list.filter((value) => value !== channel) },
      { shouldDirty: true },
    );
  };
  const paging = watch('paging');
  const togglePhone = (severity: Severity, channel: PhoneChannel, on: boolean) => {
    const list = paging[severity] ?? [];
    setValue(
      'paging',
      {
        ...paging,
        // A call before a text, whatever order they were ticked in.
        [severity]: on
          ? PHONE_CHANNELS.map((item) => item.value).filter((value) => value === channel || list.includes(value))
          : list.filter((value) => value !== channel),
      },
      { shouldDirty: true },
    );
  };
  const saveDraft = handleSubmit((draft) => save.mutate(preferencesChangeOf(draft, data.defaults, data.pagingDefaults)));
  // The last outcome goes at once, also when the form itself refuses the values.
  const submit = (event: FormEvent) => {
    setNotice(undefined);
    void saveDraft(event);
  };

  return (
    <form className="stack" onSubmit={submit} noValidate aria-label="My notification preferences">
      <CheckGrid
        caption="Channels per kind of event"
        rowHeading="Event"
        rows={kinds.map((kind) => ({ value: kind, label: KIND_LABELS[kind] ?? humanize(kind) }))}
        columns={USER_CHANNELS}
        checked={(kind, channel) => (channels[kind] ?? []).includes(channel)}
        onToggle={toggle}
        labelOf={(row, column) => `${row} by ${column}`}
      />
      <CheckGrid
        caption="Phone pages by severity (assignments, SLA breaches and escalations; needs a verified number)"
        rowHeading="Severity"
        rows={SEVERITY_LABELS}
        columns={PHONE_CHANNELS}
        checked={(severity, channel) => (paging[severity] ?? []).includes(channel)}
        onToggle={togglePhone}
        labelOf={(row, column) => `${row} incidents by ${column}`}
      />
      <div className="form-grid">
        <label className="field" htmlFor={fid('zone')}>
          Time zone
          <input id={fid('zone')} list={fid('zones')} {...register('timeZone')} {...invalidProps(errors, 'timeZone', fid('zone'))} />
          <datalist id={fid('zones')}>
            {zones.map((zone) => (
              <option key={zone} value={zone} />
            ))}
          </datalist>
          <FieldError errors={errors} path="timeZone" id={fid('zone')} />
        </label>
      </div>
      <fieldset className="fieldset">
        <legend>Quiet hours</legend>
        <label className="check">
          <input type="checkbox" {...register('quiet')} />
          Hold back email, Slack, Teams, SMS and calls during quiet hours
        </label>
        {quiet ? (
          <>
            <div className="form-grid">
              <label className="field" htmlFor={fid('from')}>
                From
                <input
                  id={fid('from')}
                  type="time"
                  {...register('quietHours.from')}
                  {...invalidProps(errors, 'quietHours.from', fid('from'))}
                />
                <FieldError errors={errors} path="quietHours.from" id={fid('from')} />
              </label>
              <label className="field" htmlFor={fid('to')}>
                To
                <input id={fid('to')} type="time" {...register('quietHours.to')} {...invalidProps(errors, 'quietHours.to', fid('to'))} />
                <FieldError errors={errors} path="quietHours.to" id={fid('to')} />
              </label>
            </div>
            <div className="day-list" role="group" aria-label="Days the quiet hours start on">
              {WEEKDAYS.map((day) => (
                <label key={day.value} className="check">
                  <input
                    type="checkbox"
                    checked={days.includes(day.value)}
                    onChange={(event) =>
                      setValue(
                        'quietHours.days',
                        // Kept in weekday order, whatever order they were ticked in.
                        event.target.checked
                          ? WEEKDAYS.map((item) => item.value).filter((value) => value === day.value || days.includes(value))
                          : days.filter((value) => value !== day.value),
                        { shouldDirty: true },
                      )
                    }
                  />
                  {day.label}
                </label>
              ))}
            </div>
            <FieldError errors={errors} path="quietHours.days" id={fid('days')} />
          </>
        ) : null}
      </fieldset>
      <fieldset className="fieldset">
        <legend>Working hours</legend>
        <label className="check">
          <input type="checkbox" {...register('working')} />
          Escalations that reach only people at work reach me only during these hours (in my time zone)
        </label>
        {working ? (
          <div className="working-hours" role="group" aria-label="Working hours per weekday">
            {WEEKDAYS.map((day) => {
              const path = `workingHours.${day.value}.0.to`;
              return (
                <div key={day.value} className="working-day">
                  <label className="check">
                    <input type="checkbox" {...register(`workingHours.${day.value}.on`)} />
                    {day.label}
                  </label>
                  {workingHours[day.value].on ? (
                    <>
                      <input type="time" aria-label={`${day.label} from`} {...register(`workingHours.${day.value}.from`)} />
                      <input
                        type="time"
                        aria-label={`${day.label} to`}
                        {...register(`workingHours.${day.value}.to`)}
                        {...invalidProps(errors, path, fid(`work-${day.value}`))}
                      />
                      <FieldError errors={errors} path={path} id={fid(`work-${day.value}`)} />
                    </>
                  ) : null}
                </div>
              );
            })}
          </div>
        ) : null}
      </fieldset>
      {notice ? <Notice kind="success">{notice}</Notice> : null}
      <FormError error={save.error} />
      <div className="form-actions form-actions-start">
        <button type="submit" className="button button-primary" disabled={save.isPending}>
          {save.isPending ? 'Saving…' : 'Save'}
        </button>
      </div>
    </form>
  );
}

/** A table of checkboxes: one row per `rows` item, one column per `columns` item, each cell labelled for screen readers. */
function CheckGrid<R extends string, C extends string>(props: {
  caption: string;
  rowHeading: string;
  rows: ReadonlyArray<{ value: R; label: string }>;
  columns: ReadonlyArray<{ value: C; label: string }>;
  checked: (row: R, column: C) => boolean;
  onToggle: (row: R, column: C, on: boolean) => void;
  labelOf: (rowLabel: string, columnLabel: string) => string;
}) {
  const { rows, columns } = props;
  return (
    <DataTable caption={props.caption}>
      <thead>
        <tr>
          <th scope="col">{props.rowHeading}</th>
          {columns.map((column) => (
            <th key={column.value} scope="col" className="center">
              {column.label}
            </th>
          ))}
        </tr>
      </thead>
      <tbody className="prefs-table">
        {rows.map((row) => (
          <tr key={row.value}>
            <th scope="row">{row.label}</th>
            {columns.map((column) => (
              <td key={column.value}>
                <input
                  type="checkbox"
                  className="table-check"
                  aria-label={props.labelOf(row.label, column.label)}
                  checked={props.checked(row.value, column.value)}
                  onChange={(event) => props.onToggle(row.value, column.value, event.target.checked)}
                />
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </DataTable>
  );
}
