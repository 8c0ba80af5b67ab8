/** PostgreSQL aborted the transaction to break a deadlock (SQLSTATE 40P01); nothing of it was kept. */
export function isDeadlock(e: unknown): boolean {
  const err = e as { code?: string; parent?: { code?: string } } | null;
  return err?.parent?.code === '40P01' || err?.code === '40P01';
}

/**
 * Runs `transaction` (a whole transaction: it must begin and end inside) again when PostgreSQL
 * aborted it to break a deadlock, up to `attempts` times in all. A deadlock means the rows were
 * locked in different orders by two writers; the use cases keep one lock order, so this is the
 * safety net for an order that was missed — the caller gets its answer, not a database error.
 */
export async function retryOnDeadlock<T>(transaction: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await transaction();
    } catch (e) {
      if (attempt >= attempts || !isDeadlock(e)) throw e;
    }
  }
}
