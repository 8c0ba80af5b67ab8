import { useState, type FormEvent } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { Address } from '@zjmall/contracts';
import { client } from '../lib/client';
import { useI18n, type MessageKey } from '../lib/i18n';
import { keys } from '../lib/queries';
import { useSession } from '../lib/session';
import { ErrorNote } from './error-note';
import { FieldError } from './field-error';

const FIELDS: {
  name: 'receiver' | 'phone' | 'province' | 'city' | 'district' | 'detail';
  max: number;
  auto?: string;
}[] = [
  { name: 'receiver', max: 50, auto: 'name' },
  { name: 'phone', max: 20, auto: 'tel' },
  { name: 'province', max: 50, auto: 'address-level1' },
  { name: 'city', max: 50, auto: 'address-level2' },
  { name: 'district', max: 50, auto: 'address-level3' },
  { name: 'detail', max: 200, auto: 'street-address' },
];

/** A new delivery address; the server checks every field and names the ones it refuses. */
export function AddressForm({ onSaved, onCancel }: { onSaved: (a: Address) => void; onCancel?: () => void }) {
  const { t } = useI18n();
  const { token } = useSession();
  const qc = useQueryClient();
  const [v, setV] = useState({
    receiver: '',
    phone: '',
    province: '',
    city: '',
    district: '',
    detail: '',
    isDefault: false,
  });
  const save = useMutation({
    mutationFn: () => client.address.create.mutate(v),
    onSuccess: (a) => {
      void qc.invalidateQueries({ queryKey: keys.addresses(token) });
      onSaved(a);
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate();
  };
  return (
    <form className="stack address-form" onSubmit={submit} aria-label={t('addAddress')}>
      {FIELDS.map((f) => (
        <label key={f.name}>
          {t(f.name as MessageKey)}
          <input
            required
            maxLength={f.max}
            autoComplete={f.auto}
            value={v[f.name]}
            onChange={(e) => setV({ ...v, [f.name]: e.target.value })}
          />
          <FieldError error={save.error} path={f.name} />
        </label>
      ))}
      <label className="inline">
        <input type="checkbox" checked={v.isDefault} onChange={(e) => setV({ ...v, isDefault: e.target.checked })} />{' '}
        {t('makeDefault')}
      </label>
      <ErrorNote error={save.error} />
      <div>
        <button type="submit" disabled={save.isPending}>
          {t('save')}
        </button>{' '}
        {onCancel && (
          <button type="button" className="link" onClick={onCancel}>
            {t('cancel')}
          </button>
        )}
      </div>
    </form>
  );
}

export const addressLine = (a: Pick<Address, 'receiver' | 'phone' | 'province' | 'city' | 'district' | 'detail'>) =>
  `${a.receiver} ${a.phone} · ${a.province} ${a.city} ${a.district} ${a.detail}`;
