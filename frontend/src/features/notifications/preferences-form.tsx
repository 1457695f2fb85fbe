import { useId, useMemo, useState, type FormEvent } from 'react';
import { useMyPreferences, useSaveMyPreferences } from './hooks';
import { humanize } from '../../lib/format';
import { Card, DataTable } from '../../components/layout-parts';
import { FieldError, FormError, type SavedNotice, fieldErrors, invalidProps } from '../../components/settings-form';
import { Notice, QueryState } from '../../components/states';
import { type UserChannel, type Weekday, USER_CHANNELS, WEEKDAYS, KIND_LABELS } from './choices';

export function MyPreferences() {
  const query = useMyPreferences();
  const [notice, setNotice] = useState<string | undefined>();
  return (
    <Card title="My notifications">
      <p className="card-description">
        How you are told about each kind of event, in every company you work for. During quiet hours, email, Slack and Teams wait (critical
        incidents never wait); the dashboard feed is always on.
      </p>
      <QueryState query={query} loadingLabel="Loading your preferences">
        {(data) => <PreferencesForm key={data.updatedAt ?? 'defaults'} data={data} notice={notice} setNotice={setNotice} />}
      </QueryState>
    </Card>
  );
}

type Preferences = {
  channels: Record<string, UserChannel[]>;
  defaults: Record<string, UserChannel[]>;
  quietHours?: { days?: Weekday[]; from: string; to: string };
  timeZone: string;
  updatedAt?: string;
};

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((value) => b.includes(value));
}

function PreferencesForm({ data, notice, setNotice }: { data: Preferences } & SavedNotice) {
  const formId = useId();
  const kinds = Object.keys(data.defaults);
  const [channels, setChannels] = useState<Record<string, UserChannel[]>>(() =>
    Object.fromEntries(kinds.map((kind) => [kind, data.channels[kind] ?? data.defaults[kind] ?? []])),
  );
  const [timeZone, setTimeZone] = useState(data.timeZone);
  const [quiet, setQuiet] = useState(Boolean(data.quietHours));
  const [from, setFrom] = useState(data.quietHours?.from ?? '22:00');
  const [to, setTo] = useState(data.quietHours?.to ?? '07:00');
  const [days, setDays] = useState<Weekday[]>(data.quietHours?.days ?? WEEKDAYS.map((day) => day.value));
  const zones = useMemo(() => {
    try {
      return Intl.supportedValuesOf('timeZone');
    } catch {
      return [];
    }
  }, []);

  const save = useSaveMyPreferences({ onSuccess: () => setNotice('Your notification preferences are saved.') });
  const errors = fieldErrors(save.error);
  const toggle = (kind: string, channel: UserChannel, on: boolean) =>
    setChannels((current) => {
      const list = current[kind] ?? [];
      return { ...current, [kind]: on ? [...list, channel] : list.filter((value) => value !== channel) };
    });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setNotice(undefined);
    const changed = Object.fromEntries(
      kinds.filter((kind) => !sameSet(channels[kind] ?? [], data.defaults[kind] ?? [])).map((kind) => [kind, channels[kind] ?? []]),
    );
    save.mutate({
      channels: changed,
      timeZone: timeZone.trim(),
      ...(quiet ? { quietHours: { from, to, ...(days.length === 7 ? {} : { days }) } } : {}),
    });
  };

  return (
    <form className="stack" onSubmit={submit} noValidate aria-label="My notification preferences">
      <DataTable caption="Channels per kind of event">
        <thead>
          <tr>
            <th scope="col">Event</th>
            {USER_CHANNELS.map((channel) => (
              <th key={channel.value} scope="col" className="center">
                {channel.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody className="prefs-table">
          {kinds.map((kind) => (
            <tr key={kind}>
              <th scope="row">{KIND_LABELS[kind] ?? humanize(kind)}</th>
              {USER_CHANNELS.map((channel) => (
                <td key={channel.value}>
                  <input
                    type="checkbox"
                    className="table-check"
                    aria-label={`${KIND_LABELS[kind] ?? humanize(kind)} by ${channel.label}`}
                    checked={(channels[kind] ?? []).includes(channel.value)}
                    onChange={(event) => toggle(kind, channel.value, event.target.checked)}
                  />
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </DataTable>
      <div className="form-grid">
        <label className="field" htmlFor={`${formId}-zone`}>
          Time zone
          <input
            id={`${formId}-zone`}
            list={`${formId}-zones`}
            value={timeZone}
            onChange={(event) => setTimeZone(event.target.value)}
            {...invalidProps(errors, 'timeZone', `${formId}-zone`)}
          />
          <datalist id={`${formId}-zones`}>
            {zones.map((zone) => (
              <option key={zone} value={zone} />
            ))}
          </datalist>
          <FieldError errors={errors} path="timeZone" id={`${formId}-zone`} />
        </label>
      </div>
      <fieldset className="fieldset">
        <legend>Quiet hours</legend>
        <label className="check">
          <input type="checkbox" checked={quiet} onChange={(event) => setQuiet(event.target.checked)} />
          Hold back email, Slack and Teams during quiet hours
        </label>
        {quiet ? (
          <>
            <div className="form-grid">
              <label className="field" htmlFor={`${formId}-from`}>
                From
                <input
                  id={`${formId}-from`}
                  type="time"
                  value={from}
                  onChange={(event) => setFrom(event.target.value)}
                  {...invalidProps(errors, 'quietHours.from', `${formId}-from`)}
                />
                <FieldError errors={errors} path="quietHours.from" id={`${formId}-from`} />
              </label>
              <label className="field" htmlFor={`${formId}-to`}>
                To
                <input
                  id={`${formId}-to`}
                  type="time"
                  value={to}
                  onChange={(event) => setTo(event.target.value)}
                  {...invalidProps(errors, 'quietHours.to', `${formId}-to`)}
                />
                <FieldError errors={errors} path="quietHours.to" id={`${formId}-to`} />
              </label>
            </div>
            <div className="day-list" role="group" aria-label="Days the quiet hours start on">
              {WEEKDAYS.map((day) => (
                <label key={day.value} className="check">
                  <input
                    type="checkbox"
                    checked={days.includes(day.value)}
                    onChange={(event) =>
                      setDays((current) =>
                        event.target.checked
                          ? WEEKDAYS.map((item) => item.value).filter((value) => value === day.value || current.includes(value))
                          : current.filter((value) => value !== day.value),
                      )
                    }
                  />
                  {day.label}
                </label>
              ))}
            </div>
            <FieldError errors={errors} path="quietHours.days" id={`${formId}-days`} />
          </>
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
