import { type FormEvent, useEffect, useState } from 'react';
import type { ApiError } from '../api/errors.js';
import { login } from '../api/session.js';
import { useSessionState } from '../app/session.js';
import { ErrorBox } from '../components/States.js';

/** Keystone log in: domain, user name, password (Horizon's form with multi-domain support). */
export function Login() {
  const { begin, notice } = useSessionState();
  const [domain, setDomain] = useState('Default');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  useEffect(() => {
    document.title = 'Login - pocketstack';
    // when the app itself first drew something (first paint is index.html's "Loading…")
    if (performance.getEntriesByName('pocketstack:login').length === 0) performance.mark('pocketstack:login');
  }, []);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    login(domain, username, password)
      .then(begin)
      .catch((err: ApiError) => {
        setError(err);
        setBusy(false);
      });
  };
  return (
    <main className="login">
      <form className="login-form" onSubmit={submit} aria-label="Log in">
        <h1>pocketstack</h1>
        <p className="muted">Log in to the cloud with your Keystone credentials.</p>
        {notice ? (
          <p className="notice" role="status">
            {notice}
          </p>
        ) : null}
        <label className="field">
          <span className="field-label">Domain</span>
          <input name="domain" value={domain} onChange={(e) => setDomain(e.target.value)} required />
        </label>
        <label className="field">
          <span className="field-label">User Name</span>
          <input
            name="username"
            autoComplete="username"
            value={username}
            onChange={(e) => setUsername(e.target.value)}
            required
            // biome-ignore lint/a11y/noAutofocus: the one thing to do on this page
            autoFocus
          />
        </label>
        <label className="field">
          <span className="field-label">Password</span>
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            required
          />
        </label>
        {error ? (
          <ErrorBox
            error={
              error.status === 401
                ? Object.assign(error, { message: 'Invalid credentials: the user name or password is wrong.' })
                : error
            }
          />
        ) : null}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign In'}
        </button>
      </form>
    </main>
  );
}
