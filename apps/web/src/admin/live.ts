import { useEffect, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { client } from '../lib/client';
import { useSession } from '../lib/session';

/**
 * Order and payment activity pushed by the server (`admin.onActivity`, SSE): the queries under
 * `['admin', …]` are refreshed, and the count of events seen since the page opened is returned.
 */
export function useAdminActivity(): number {
  const { token } = useSession();
  const qc = useQueryClient();
  const [seen, setSeen] = useState(0);
  useEffect(() => {
    if (!token) return;
    const sub = client.admin.onActivity.subscribe(undefined, {
      onData: () => {
        setSeen((n) => n + 1);
        void qc.invalidateQueries({ queryKey: ['admin'] });
      },
    });
    return () => sub.unsubscribe();
  }, [token, qc]);
  return seen;
}
