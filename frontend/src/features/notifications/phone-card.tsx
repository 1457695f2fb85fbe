import { zodResolver } from '@hookform/resolvers/zod';
import { useId, useState } from 'react';
import { useForm } from 'react-hook-form';
import * as z from 'zod';
import { Card } from '../../components/layout-parts';
import { ConfirmDialog, FieldError, FormError, fieldErrors, invalidProps } from '../../components/settings-form';
import { Notice, QueryState } from '../../components/states';
import { formatDateTime } from '../../lib/format';
import { formErrors } from '../form-errors';
import { type Phone, useMyPhone, useRemoveMyPhone, useSetMyPhone, useVerifyMyPhone } from './phone-api';

const numberSchema = z.object({
  number: z
    .string()
    .trim()
    .regex(/^\+[1-9]\d{6,14}$/, 'Use E.164: + country code and number, digits only'),
});
const codeSchema = z.object({
  code: z
    .string()
    .trim()
    .regex(/^\d{6}$/, 'The code is 6 digits'),
});

type NumberDraft = z.infer<typeof numberSchema>;
type CodeDraft = z.infer<typeof codeSchema>;

/** The signed-in user's own number for SMS and voice pages: set, verified with a texted code, or removed. */
export function MyPhone() {
  const query = useMyPhone();
  const [notice, setNotice] = useState<string | undefined>();
  return (
    <Card title="My phone">
      <p className="card-description">
        A critical incident calls, then texts; a high one texts (assignments, SLA breaches and escalations). Each text has a link to
        acknowledge, resolve or escalate, and you can reply ACK.
      </p>
      <QueryState query={query} loadingLabel="Loading your phone number">
        {(data) => <PhoneBody data={data} notice={notice} setNotice={setNotice} />}
      </QueryState>
    </Card>
  );
}

function PhoneBody({
  data,
  notice,
  setNotice,
}: {
  data: Phone;
  notice: string | undefined;
  setNotice: (message: string | undefined) => void;
}) {
  const [confirmRemove, setConfirmRemove] = useState(false);
  const remove = useRemoveMyPhone({
    onSuccess: () => {
      setConfirmRemove(false);
      setNotice('Your phone number is removed.');
    },
  });
  return (
    <div className="stack">
      {data.number ? (
        <p>
          Pages go to <strong>{data.number}</strong>
          {data.verifiedAt ? <> (verified {formatDateTime(data.verifiedAt)})</> : null}.
        </p>
      ) : (
        <p>No phone number: pages go by email, Slack and Teams only</p>
      )}
      {notice ? <Notice kind="success">{notice}</Notice> : null}
      <FormError error={remove.error} title="Not removed." />
      {data.pending ? (
        <CodeForm key={`${data.pending.number} ${data.pending.expiresAt}`} pending={data.pending} setNotice={setNotice} />
      ) : null}
      <NumberForm hasNumber={Boolean(data.number)} setNotice={setNotice} />
      {data.number ? (
        <div className="form-actions form-actions-start">
          <button
            type="button"
            className="button button-danger"
            onClick={() => {
              setNotice(undefined);
              setConfirmRemove(true);
            }}
          >
            Remove
          </button>
        </div>
      ) : null}
      <ConfirmDialog
        open={confirmRemove}
        title="Remove your phone number?"
        confirmLabel="Remove"
        danger
        busy={remove.isPending}
        onConfirm={() => remove.mutate()}
        onClose={() => setConfirmRemove(false)}
      >
        Pages will no longer call or text {data.number}; they go by email, Slack and Teams only.
      </ConfirmDialog>
    </div>
  );
}

function NumberForm({ hasNumber, setNotice }: { hasNumber: boolean; setNotice: (message: string | undefined) => void }) {
  const formId = useId();
  const { register, handleSubmit, formState, reset } = useForm<NumberDraft>({
    defaultValues: { number: '' },
    resolver: zodResolver(numberSchema),
  });
  const send = useSetMyPhone({
    onSuccess: (answer) => {
      reset({ number: '' });
      setNotice(`A code was sent to ${answer.pending?.number ?? 'your phone'}.`);
    },
  });
  const errors = new Map([...fieldErrors(send.error), ...formErrors(formState.errors)]);
  const id = `${formId}-number`;
  const submit = handleSubmit((draft) => send.mutate({ number: draft.number }));
  return (
    <form
      className="stack"
      noValidate
      aria-label="Phone number"
      onSubmit={(event) => {
        setNotice(undefined);
        void submit(event);
      }}
    >
      <div className="form-grid">
        <label className="field" htmlFor={id}>
          {hasNumber ? 'New phone number' : 'Phone number'}
          <input
            id={id}
            type="tel"
            autoComplete="tel"
            inputMode="tel"
            placeholder="+447700900123"
            {...register('number')}
            {...invalidProps(errors, 'number', id)}
          />
          <FieldError errors={errors} path="number" id={id} />
        </label>
      </div>
      <FormError error={send.error} title="No code sent." />
      <div className="form-actions form-actions-start">
        <button type="submit" className="button button-primary" disabled={send.isPending}>
          {send.isPending ? 'Sending…' : 'Send code'}
        </button>
      </div>
    </form>
  );
}

function CodeForm({ pending, setNotice }: { pending: NonNullable<Phone['pending']>; setNotice: (message: string | undefined) => void }) {
  const formId = useId();
  const { register, handleSubmit, formState } = useForm<CodeDraft>({ defaultValues: { code: '' }, resolver: zodResolver(codeSchema) });
  const verify = useVerifyMyPhone({ onSuccess: (answer) => setNotice(`${answer.number ?? 'Your number'} is verified: pages go to it.`) });
  const errors = new Map([...fieldErrors(verify.error), ...formErrors(formState.errors)]);
  const id = `${formId}-code`;
  const submit = handleSubmit((draft) => verify.mutate({ code: draft.code }));
  return (
    <form
      className="stack"
      noValidate
      aria-label="Verify your phone number"
      onSubmit={(event) => {
        setNotice(undefined);
        void submit(event);
      }}
    >
      <p>
        A code was texted to <strong>{pending.number}</strong>; it expires {formatDateTime(pending.expiresAt)}.
      </p>
      <div className="form-grid">
        <label className="field" htmlFor={id}>
          Verification code
          <input
            id={id}
            type="text"
            inputMode="numeric"
            autoComplete="one-time-code"
            maxLength={6}
            {...register('code')}
            {...invalidProps(errors, 'code', id)}
          />
          <FieldError errors={errors} path="code" id={id} />
        </label>
      </div>
      <FormError error={verify.error} title="Not verified." />
      <div className="form-actions form-actions-start">
        <button type="submit" className="button button-primary" disabled={verify.isPending}>
          {verify.isPending ? 'Verifying…' : 'Verify'}
        </button>
      </div>
    </form>
  );
}
