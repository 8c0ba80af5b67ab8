import { useState, type FormEvent } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Link, useLocation, useSearch } from 'wouter';
import type { AuthOutput } from '@zjmall/contracts';
import { client } from '../lib/client';
import { useI18n } from '../lib/i18n';
import { forgetShopper } from '../lib/queries';
import { session } from '../lib/session';
import { ErrorNote } from '../components/error-note';
import { showMergeReport } from '../components/merge-banner';

/** Only paths of this shop are followed after signing in (no open redirect). */
function safeNext(next: string | null): string {
  return next && next.startsWith('/') && !next.startsWith('//') ? next : '/';
}

export function SignInPage() {
  const { t } = useI18n();
  const params = new URLSearchParams(useSearch());
  const register = params.get('mode') === 'register';
  const next = safeNext(params.get('next'));
  const [, navigate] = useLocation();
  const qc = useQueryClient();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [name, setName] = useState('');
  const auth = useMutation({
    mutationFn: (): Promise<AuthOutput> => {
      // The guest's cart is merged into the account's (the answer says what the merge did).
      const guestToken = session.guestToken() ?? undefined;
      return register
        ? client.auth.register.mutate({ email, password, name, guestToken })
        : client.auth.login.mutate({ email, password, guestToken });
    },
    onSuccess: (r) => {
      forgetShopper(qc);
      session.setUser(r.token);
      showMergeReport(r.merge);
      navigate(next);
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    auth.mutate();
  };
  const other = `/signin?${new URLSearchParams({ ...(register ? {} : { mode: 'register' }), ...(next !== '/' ? { next } : {}) })}`;
  return (
    <section className="narrow" aria-labelledby="auth-h">
      <h1 id="auth-h">{register ? t('register') : t('signIn')}</h1>
      <form onSubmit={submit} className="stack">
        {register && (
          <label>
            {t('name')}
            <input
              required
              maxLength={100}
              autoComplete="name"
              value={name}
              onChange={(e) => setName(e.target.value)}
            />
          </label>
        )}
        <label>
          {t('email')}
          <input
            type="email"
            required
            maxLength={254}
            autoComplete="email"
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
        </label>
        <label>
          {t('password')}
          <input
            type="password"
            required
            minLength={register ? 8 : 1}
            maxLength={128}
            autoComplete={register ? 'new-password' : 'current-password'}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </label>
        <ErrorNote error={auth.error} />
        <button type="submit" className="primary" disabled={auth.isPending}>
          {register ? t('register') : t('signIn')}
        </button>
      </form>
      <p>
        {register ? t('haveAccount') : t('noAccount')}{' '}
        <Link href={other}>{register ? t('signIn') : t('register')}</Link>
      </p>
    </section>
  );
}
