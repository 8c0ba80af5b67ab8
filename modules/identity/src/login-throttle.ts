import { QueryTypes } from 'sequelize';
import type { Db } from '@zjmall/platform';

/** 5 attempts per account per 15 minutes (README, "Login throttling"). */
export const LOGIN_MAX_ATTEMPTS = 5;
export const LOGIN_WINDOW_SECONDS = 15 * 60;

export type Admission = { admitted: true } | { admitted: false; retryAfterSeconds: number };

export interface LoginThrottle {
  /**
   * Counts this attempt before the password is checked, atomically, so that parallel guesses cannot
   * all slip in under the limit; `reset` undoes it on success. Uses the database clock.
   */
  admit(email: string): Promise<Admission>;
  reset(email: string): Promise<void>;
  /** Deletes rows whose window has passed (unknown emails leave rows behind); returns how many. */
  sweep(): Promise<number>;
}

export function createLoginThrottle(
  db: Db,
  max = LOGIN_MAX_ATTEMPTS,
  windowSeconds = LOGIN_WINDOW_SECONDS,
): LoginThrottle {
  return {
    async admit(email) {
      // A window that has passed starts over; a full window stops counting at max + 1 and does not
      // move, so being refused never extends the wait.
      const rows = await db.query<{ attempts: number; retry_after: number }>(
        `INSERT INTO identity.login_throttle AS t (email, attempts, window_started_at)
         VALUES ($1, 1, now())
         ON CONFLICT (email) DO UPDATE SET
           attempts = CASE WHEN t.window_started_at <= now() - make_interval(secs => $3) THEN 1
                           ELSE LEAST(t.attempts + 1, $2::int + 1) END,
           window_started_at = CASE WHEN t.window_started_at <= now() - make_interval(secs => $3) THEN now()
                                    ELSE t.window_started_at END
         RETURNING attempts,
           GREATEST(1, ceil(extract(epoch FROM t.window_started_at + make_interval(secs => $3) - now())))::int AS retry_after`,
        { bind: [email, max, windowSeconds], type: QueryTypes.SELECT },
      );
      const row = rows[0];
      return row.attempts <= max ? { admitted: true } : { admitted: false, retryAfterSeconds: row.retry_after };
    },
    async reset(email) {
      await db.query(`DELETE FROM identity.login_throttle WHERE email = $1`, { bind: [email] });
    },
    async sweep() {
      const rows = await db.query<{ email: string }>(
        `DELETE FROM identity.login_throttle WHERE window_started_at <= now() - make_interval(secs => $1) RETURNING email`,
        { bind: [windowSeconds], type: QueryTypes.SELECT },
      );
      return rows.length;
    },
  };
}
