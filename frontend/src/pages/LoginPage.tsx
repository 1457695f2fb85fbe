import { zodResolver } from '@hookform/resolvers/zod';
import { useId } from 'react';
import { useForm } from 'react-hook-form';
import { Navigate, useLocation, useNavigate } from 'react-router';
import { useSession } from '../auth/session';
import { FieldError, invalidProps } from '../components/settings-form';
import { errorMessage } from '../components/states';
import { formErrors } from '../features/form-errors';
import { credentialsOf, emptyLoginDraft, type LoginDraft, loginFormSchema } from './login-draft';

export default function LoginPage({ stage }: { stage: string }) {
  const { user, signIn } = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  const formId = useId();
  const { register, handleSubmit, setError, formState } = useForm<LoginDraft>({
    defaultValues: emptyLoginDraft,
    // The API's own rules for the two fields: a mistyped email is pointed out before a round trip.
    resolver: zodResolver(loginFormSchema, undefined, { raw: true }),
  });
  const from = (location.state as { from?: string } | null)?.from ?? '/';
  if (user) return <Navigate to={from} replace />;

  const errors = formErrors(formState.errors);
  // The API's refusal (wrong password, locked out) is about the sign-in as a whole, not one field.
  const error = formState.errors.root?.message;
  const fid = (name: string) => `${formId}-${name}`;
  const submit = handleSubmit(async (draft) => {
    const { email, password } = credentialsOf(draft);
    try {
      await signIn(email, password);
      navigate(from, { replace: true });
    } catch (failure) {
      setError('root', { message: errorMessage(failure) });
    }
  });

  return (
    <main className="login">
      <form className="login-card" onSubmit={(event) => void submit(event)} noValidate aria-describedby={error ? 'login-error' : undefined}>
        <div className="login-brand">
          <img src="/favicon.svg" alt="" width={40} height={40} />
          <div>
            <h1>Alert Whisperer</h1>
            <p className="muted">Sign in to your MSP workspace</p>
          </div>
        </div>
        <label className="field" htmlFor={fid('email')}>
          <span>Email</span>
          <input
            id={fid('email')}
            type="email"
            autoComplete="username"
            required
            autoFocus
            {...register('email')}
            {...invalidProps(errors, 'email', fid('email'))}
          />
          <FieldError errors={errors} path="email" id={fid('email')} />
        </label>
        <label className="field" htmlFor={fid('password')}>
          <span>Password</span>
          <input
            id={fid('password')}
            type="password"
            autoComplete="current-password"
            required
            {...register('password')}
            {...invalidProps(errors, 'password', fid('password'))}
          />
          <FieldError errors={errors} path="password" id={fid('password')} />
        </label>
        {error ? (
          <p id="login-error" className="form-error" role="alert">
            {error}
          </p>
        ) : null}
        <button type="submit" className="button button-primary button-block" disabled={formState.isSubmitting}>
          {formState.isSubmitting ? 'Signing in…' : 'Sign in'}
        </button>
        {stage === 'local' ? (
          <p className="login-hint">
            Local demo: <code>npm start</code> prints a sign-in for each role (also in <code>.local/demo-secrets.json</code>).
          </p>
        ) : null}
      </form>
    </main>
  );
}
