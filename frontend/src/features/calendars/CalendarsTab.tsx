import { useId } from 'react';
import { useFieldArray, type FieldPath } from 'react-hook-form';
import { SEVERITIES } from '../../../../lib/domain/alert';
import { Badge } from '../../components/badges';
import { Card, DataTable } from '../../components/layout-parts';
import { FieldError, formatMinutes, invalidProps, type SavedNotice } from '../../components/settings-form';
import { LoadedPolicy, usePolicyForm, VersionedPolicyForm } from '../policies/versioned-policy-form';
import { useSaveSlaPolicy, useSlaPolicy } from '../sla/hooks';
import type { SlaPolicy } from '../sla/types';
import {
  calendarDraft,
  newHoliday,
  newRange,
  timeZoneChoices,
  WEEKDAY_LABELS,
  WEEKDAYS,
  type CalendarForm,
  type CalendarValues,
  type Weekday,
} from './calendar-draft';
import './calendars.css';

type SlaAnswer = { policy: SlaPolicy; defaults: SlaPolicy; version: number; updatedAt?: string; updatedBy?: string };

/** A day has at most this many ranges, a calendar this many holidays (the API's limits). */
const MAX_RANGES = 4;
const MAX_HOLIDAYS = 200;

/**
 * The Calendars tab: the company's service calendar (time zone, business hours per weekday, holidays) and,
 * per severity, whether its SLA clocks run around the clock or only in those business hours. Saved through
 * the SLA policy with the version it was read at; the targets' minutes are the SLA tab's.
 */
export function CalendarsTab({ tenantId }: { tenantId: string }) {
  const query = useSlaPolicy(tenantId);
  return (
    <Card title="Service calendar">
      <p className="card-description">
        When the company&apos;s business hours run. A severity whose targets run in business hours counts only this time: 4 business hours
        from Friday 16:00 in a Monday-to-Friday 08:00–18:00 calendar end on Monday at 10:00, a holiday on that Monday moves it to Tuesday.
      </p>
      <LoadedPolicy query={query} loadingLabel="Loading the service calendar">
        {(data, saved) => (
          <CalendarFormView tenantId={tenantId} data={data} onReload={saved.reload} notice={saved.notice} setNotice={saved.setNotice} />
        )}
      </LoadedPolicy>
    </Card>
  );
}

function CalendarFormView({
  tenantId,
  data,
  onReload,
  notice,
  setNotice,
}: { tenantId: string; data: SlaAnswer; onReload: () => void } & SavedNotice) {
  const formId = useId();
  const save = useSaveSlaPolicy(tenantId, {
    onSuccess: () => setNotice('Calendar saved. New incidents use it; open ones keep the deadlines they started with.'),
  });
  const resetSave = useSaveSlaPolicy(tenantId, {
    onSuccess: () => setNotice('Calendar reset: office hours, no holidays, every clock 24x7.'),
  });
  const policy = usePolicyForm({ tenantId, data, draft: calendarDraft, save, setNotice });
  const { form, errors, editable } = policy;
  const holidays = useFieldArray({ control: form.control, name: 'calendar.holidays' });
  const fid = (name: string) => `${formId}-${name}`;
  const zones = timeZoneChoices(data.policy.calendar.timeZone);

  // Back to the default calendar with every clock 24x7; the minutes stay as they are.
  const reset = {
    isPending: resetSave.isPending,
    error: resetSave.error,
    mutate: (_: undefined, options?: { onSuccess?: () => void }) =>
      resetSave.mutate(
        {
          version: data.version,
          calendar: data.defaults.calendar,
          targets: Object.fromEntries(
            SEVERITIES.map((severity) => [severity, { ...data.policy.targets[severity], coverage: '24x7' }]),
          ) as SlaPolicy['targets'],
        },
        options,
      ),
  };

  return (
    <VersionedPolicyForm
      policy={policy}
      label="Service calendar"
      className="stack"
      what="the service calendar"
      notice={notice}
      reset={reset}
      resetText={{
        label: 'Reset the calendar',
        title: 'Reset the service calendar?',
        explained:
          'Monday to Friday 08:00–18:00 UTC with no holidays, and every severity’s clocks back to 24x7. The targets’ minutes stay.',
      }}
      onReload={onReload}
    >
      <label className="field cal-zone" htmlFor={fid('zone')}>
        Time zone
        <select
          id={fid('zone')}
          disabled={!editable}
          {...form.register('calendar.timeZone')}
          {...invalidProps(errors, 'calendar.timeZone', fid('zone'))}
        >
          {zones.map((zone) => (
            <option key={zone} value={zone}>
              {zone.replaceAll('_', ' ')}
            </option>
          ))}
        </select>
        <span className="field-hint">Business hours and holidays are the company&apos;s local time, daylight saving included.</span>
        <FieldError errors={errors} path="calendar.timeZone" id={fid('zone')} />
      </label>

      <fieldset className="fieldset cal-week" disabled={!editable}>
        <legend>Business hours</legend>
        <p className="field-hint">A day without hours is closed. An end of 00:00 means midnight.</p>
        <FieldError errors={errors} path="calendar.week" id={fid('week')} />
        <ul className="cal-days">
          {WEEKDAYS.map((weekday) => (
            <DayRanges key={weekday} form={form} errors={errors} weekday={weekday} editable={editable} idBase={fid(weekday)} />
          ))}
        </ul>
      </fieldset>

      <fieldset className="fieldset" disabled={!editable}>
        <legend>Holidays</legend>
        <p className="field-hint">Closed all day. A yearly holiday recurs on the same date every year.</p>
        {holidays.fields.length === 0 ? <p className="muted small">No holidays.</p> : null}
        <ul className="cal-holidays">
          {holidays.fields.map((field, index) => {
            const path = `calendar.holidays.${index}` as const;
            const id = fid(`holiday-${field.id}`);
            return (
              <li key={field.id} className="cal-holiday" data-testid="holiday-row">
                <label className="field" htmlFor={`${id}-date`}>
                  Date
                  <input
                    id={`${id}-date`}
                    type="date"
                    {...form.register(`${path}.date`)}
                    {...invalidProps(errors, `${path}.date`, `${id}-date`)}
                  />
                  <FieldError errors={errors} path={`${path}.date`} id={`${id}-date`} />
                </label>
                <label className="field" htmlFor={`${id}-name`}>
                  Name
                  <input
                    id={`${id}-name`}
                    maxLength={100}
                    {...form.register(`${path}.name`)}
                    {...invalidProps(errors, `${path}.name`, `${id}-name`)}
                  />
                  <FieldError errors={errors} path={`${path}.name`} id={`${id}-name`} />
                </label>
                <label className="check cal-yearly">
                  <input type="checkbox" {...form.register(`${path}.yearly`)} />
                  Every year
                </label>
                {editable ? (
                  <button
                    type="button"
                    className="button button-small button-ghost"
                    aria-label={`Remove holiday ${index + 1}`}
                    onClick={() => holidays.remove(index)}
                  >
                    Remove
                  </button>
                ) : null}
              </li>
            );
          })}
        </ul>
        {editable && holidays.fields.length < MAX_HOLIDAYS ? (
          <div>
            <button type="button" className="button button-small" onClick={() => holidays.append(newHoliday)}>
              Add holiday
            </button>
          </div>
        ) : null}
      </fieldset>

      <DataTable caption="When each severity's SLA clocks run">
        <thead>
          <tr>
            <th scope="col">Severity</th>
            <th scope="col">Targets</th>
            <th scope="col">Clocks run</th>
          </tr>
        </thead>
        <tbody>
          {SEVERITIES.map((severity) => {
            const target = data.policy.targets[severity];
            const id = fid(`coverage-${severity}`);
            return (
              <tr key={severity}>
                <th scope="row">
                  <Badge value={severity} />
                </th>
                <td className="muted small">
                  {formatMinutes(target.responseMinutes)} / {formatMinutes(target.resolutionMinutes)}
                </td>
                <td>
                  <label className="visually-hidden" htmlFor={id}>
                    {`Clocks for ${severity}`}
                  </label>
                  <select id={id} className="cal-coverage" disabled={!editable} {...form.register(`targets.${severity}.coverage`)}>
                    <option value="24x7">24x7</option>
                    <option value="business-hours">In business hours</option>
                  </select>
                </td>
              </tr>
            );
          })}
        </tbody>
      </DataTable>
    </VersionedPolicyForm>
  );
}

/** One weekday's ranges: zero (closed) to four from–to ranges. */
function DayRanges({
  form,
  errors,
  weekday,
  editable,
  idBase,
}: {
  form: CalendarForm;
  errors: Map<string, string>;
  weekday: Weekday;
  editable: boolean;
  idBase: string;
}) {
  const ranges = useFieldArray({ control: form.control, name: `calendar.week.${weekday}` });
  const label = WEEKDAY_LABELS[weekday];
  const dayPath = `calendar.week.${weekday}`;
  // The day's own message (overlapping ranges); one of a range is shown on its input, not again here.
  const rangeMessages = new Set(
    [...errors].filter(([path]) => path.startsWith(`${dayPath}.`) && path !== `${dayPath}.root`).map(([, message]) => message),
  );
  const dayMessage = errors.get(dayPath) ?? errors.get(`${dayPath}.root`);
  const dayError = dayMessage && !rangeMessages.has(dayMessage) ? dayMessage : undefined;
  return (
    <li className="cal-day" data-testid={`day-${weekday}`}>
      <h3 className="cal-day-name">{label}</h3>
      <div className="cal-ranges">
        {ranges.fields.length === 0 ? <span className="muted small">Closed</span> : null}
        {ranges.fields.map((field, index) => {
          const path = `calendar.week.${weekday}.${index}` as const;
          const id = `${idBase}-${field.id}`;
          return (
            <div key={field.id} className="cal-range" role="group" aria-label={`${label} range ${index + 1}`}>
              <TimeInput form={form} errors={errors} path={`${path}.from`} id={`${id}-from`} label={`${label} from`} />
              <span aria-hidden="true">–</span>
              <TimeInput form={form} errors={errors} path={`${path}.to`} id={`${id}-to`} label={`${label} to`} />
              {editable ? (
                <button
                  type="button"
                  className="button button-small button-ghost"
                  aria-label={`Remove ${label} range ${index + 1}`}
                  onClick={() => ranges.remove(index)}
                >
                  ×
                </button>
              ) : null}
            </div>
          );
        })}
        {editable && ranges.fields.length < MAX_RANGES ? (
          <button
            type="button"
            className="button button-small"
            aria-label={`Add hours on ${label}`}
            onClick={() => ranges.append(newRange)}
          >
            Add hours
          </button>
        ) : null}
      </div>
      {dayError ? (
        <span className="field-error" role="alert">
          {dayError}
        </span>
      ) : null}
    </li>
  );
}

function TimeInput({
  form,
  errors,
  path,
  id,
  label,
}: {
  form: CalendarForm;
  errors: Map<string, string>;
  path: FieldPath<CalendarValues>;
  id: string;
  label: string;
}) {
  return (
    <span className="cal-time">
      <label className="visually-hidden" htmlFor={id}>
        {label}
      </label>
      <input id={id} type="time" step={60} {...form.register(path)} {...invalidProps(errors, path, id)} />
      <FieldError errors={errors} path={path} id={id} />
    </span>
  );
}
