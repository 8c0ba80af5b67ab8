import { useRef } from 'react';
import { newIdempotencyKey } from './client';

/**
 * One idempotency key per distinct submission: a double click (or a retry) of the same input
 * sends the same key, so the server applies it once; a new key is made once the input changes,
 * or after `reset()` (call it when the submission succeeded and the form may be used again).
 */
export function useSubmitKey() {
  const ref = useRef<{ sig: string; key: string } | null>(null);
  return {
    keyFor(input: unknown): string {
      const sig = JSON.stringify(input);
      if (ref.current?.sig !== sig) ref.current = { sig, key: newIdempotencyKey() };
      return ref.current.key;
    },
    reset() {
      ref.current = null;
    },
  };
}
