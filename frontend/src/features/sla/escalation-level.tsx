import { FieldError, invalidProps } from '../../components/settings-form';
import type { EscalationForm, LevelValues } from './escalation-draft';

type Flag = keyof Pick<LevelValues, 'assignee' | 'onCall' | 'companyAdmins' | 'mspAdmins'>;

const FLAGS: { field: Flag; label: string }[] = [
  { field: 'assignee', label: 'The assignee' },
  { field: 'onCall', label: 'Whoever is on call' },
  { field: 'companyAdmins', label: 'Company admins' },
  { field: 'mspAdmins', label: 'MSP admins' },
];

/** One level of the chain: how long it waits, and who is told (kinds of people, a schedule, named people). */
export function LevelFields({
  form,
  errors,
  editable,
  index,
  count,
  idBase,
  users,
  schedules,
  onRemove,
}: {
  form: EscalationForm;
  errors: Map<string, string>;
  editable: boolean;
  index: number;
  count: number;
  idBase: string;
  users: { id: string; name: string }[];
  schedules: { id: string; name: string }[];
  onRemove: () => void;
}) {
  const delayPath = `levels.${index}.delayMinutes` as const;
  const targetsPath = `levels.${index}.targets`;
  const usersPath = `levels.${index}.users` as const;
  const onCall = form.watch(`levels.${index}.onCall`);
  const picked = form.watch(usersPath);
  const pick = (userId: string, checked: boolean) =>
    form.setValue(usersPath, checked ? [...picked, userId] : picked.filter((id) => id !== userId), { shouldDirty: true });

  return (
    <li className="escalation-level">
      <fieldset className="fieldset fieldset-plain" disabled={!editable}>
        <legend className="visually-hidden">Level {index + 1}</legend>
        <div className="escalation-level-head">
          <h3>
            <span className="level-number" aria-hidden="true">
              {index + 1}
            </span>
            Level {index + 1}
          </h3>
          {editable && count > 1 ? (
            <button type="button" className="button button-small button-ghost" aria-label={`Remove level ${index + 1}`} onClick={onRemove}>
              Remove
            </button>
          ) : null}
        </div>
        <label className="inline-field" htmlFor={`${idBase}-delay`}>
          <span>{index < count - 1 ? 'Next level after' : 'Chain ends after'}</span>
          <input
            id={`${idBase}-delay`}
            className="input input-number"
            type="number"
            min={1}
            max={1440}
            {...form.register(delayPath)}
            {...invalidProps(errors, delayPath, `${idBase}-delay`)}
          />
          <span>min without an acknowledgement</span>
        </label>
        <FieldError errors={errors} path={delayPath} id={`${idBase}-delay`} />
        <div className="check-list">
          {FLAGS.map(({ field, label }) => (
            <label key={field} className="check">
              <input type="checkbox" {...form.register(`levels.${index}.${field}`)} />
              {label}
            </label>
          ))}
        </div>
        {onCall && schedules.length ? (
          <label className="field" htmlFor={`${idBase}-schedule`}>
            On-call schedule
            <select id={`${idBase}-schedule`} {...form.register(`levels.${index}.scheduleId`)}>
              <option value="">The company&apos;s default schedule</option>
              {schedules.map((schedule) => (
                <option key={schedule.id} value={schedule.id}>
                  {schedule.name}
                </option>
              ))}
            </select>
          </label>
        ) : null}
        {users.length ? (
          <details className="user-targets" open={picked.length > 0}>
            <summary>Specific people {picked.length ? `(${picked.length})` : ''}</summary>
            <div className="check-list">
              {users.map((user) => (
                <label key={user.id} className="check">
                  <input type="checkbox" checked={picked.includes(user.id)} onChange={(event) => pick(user.id, event.target.checked)} />
                  {user.name}
                </label>
              ))}
            </div>
          </details>
        ) : null}
        <FieldError errors={errors} path={targetsPath} id={`${idBase}-targets`} />
        <label className="check">
          <input type="checkbox" {...form.register(`levels.${index}.onlyAtWork`)} />
          Only people at work now (by their own working hours and time zone)
        </label>
      </fieldset>
    </li>
  );
}
