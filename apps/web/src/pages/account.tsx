import { useEffect, useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useLocation } from 'wouter';
import { client } from '../lib/client';
import { useI18n } from '../lib/i18n';
import { keys, useMe } from '../lib/queries';
import { useSession } from '../lib/session';
import { ErrorNote } from '../components/error-note';
import { AddressForm, addressLine } from '../components/address-form';

export function AccountPage() {
  const { t } = useI18n();
  const { token, signedIn } = useSession();
  const [, navigate] = useLocation();
  const qc = useQueryClient();
  const me = useMe();
  const [adding, setAdding] = useState(false);
  useEffect(() => {
    if (!signedIn) navigate('/signin?next=/account', { replace: true });
  }, [signedIn, navigate]);
  const addresses = useQuery({
    queryKey: keys.addresses(token),
    queryFn: () => client.address.list.query(),
    enabled: signedIn,
  });
  const refresh = () => void qc.invalidateQueries({ queryKey: keys.addresses(token) });
  const makeDefault = useMutation({
    mutationFn: (id: string) => client.address.update.mutate({ id, isDefault: true }),
    onSuccess: refresh,
  });
  const remove = useMutation({ mutationFn: (id: string) => client.address.delete.mutate({ id }), onSuccess: refresh });
  if (!signedIn) return null;
  const user = me.data && 'email' in me.data ? me.data : null;
  return (
    <section aria-labelledby="acct-h">
      <h1 id="acct-h">{t('account')}</h1>
      {user && (
        <p>
          {user.name} · {user.email}
        </p>
      )}
      <h2>{t('addresses')}</h2>
      <ErrorNote error={addresses.error ?? makeDefault.error ?? remove.error} />
      <ul className="addresses">
        {addresses.data?.map((a) => (
          <li key={a.id}>
            {addressLine(a)} {a.isDefault && <span className="tag">{t('isDefault')}</span>}{' '}
            {!a.isDefault && (
              <button type="button" className="link" onClick={() => makeDefault.mutate(a.id)}>
                {t('makeDefault')}
              </button>
            )}{' '}
            <button
              type="button"
              className="link"
              aria-label={`${t('remove')}: ${a.receiver} ${a.detail}`}
              onClick={() => remove.mutate(a.id)}
            >
              {t('remove')}
            </button>
          </li>
        ))}
      </ul>
      {adding ? (
        <AddressForm onSaved={() => setAdding(false)} onCancel={() => setAdding(false)} />
      ) : (
        <button type="button" onClick={() => setAdding(true)}>
          {t('addAddress')}
        </button>
      )}
    </section>
  );
}
