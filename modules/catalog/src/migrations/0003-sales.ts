import type { Migration } from '@zjmall/platform';

export const m0003Sales: Migration = {
  name: '0003-sales',
  async up({ sql }) {
    // One sale window per SKU (catalog.admin.setSale replaces it; a new window is a new sale, id and
    // tickets). `issued` numbers the tickets: each join takes the next number under the row's lock,
    // so the queue's order is the order the server issued them. `sold_out` remembers that the
    // waiters were told, so they are told once. `credit_at`: the admitter's token bucket (admissions
    // earned since then at SALE_ADMISSION_RATE, at most one second's worth), shared by every process.
    await sql(`CREATE TABLE catalog.sales (
      id         uuid PRIMARY KEY,
      sku_id     uuid NOT NULL UNIQUE REFERENCES catalog.skus (id),
      starts_at  timestamptz NOT NULL,
      ends_at    timestamptz NOT NULL,
      queued     boolean NOT NULL,
      issued     integer NOT NULL DEFAULT 0,
      sold_out   boolean NOT NULL DEFAULT false,
      credit_at  timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      CHECK (ends_at > starts_at)
    )`);
    // A ticket per customer per sale. `used_at`: the holder's first successful add of the SKU (an
    // admitted ticket not used yet still has units to claim, so the admitter counts it).
    await sql(`CREATE TABLE catalog.sale_tickets (
      id          uuid PRIMARY KEY,
      sale_id     uuid NOT NULL REFERENCES catalog.sales (id) ON DELETE CASCADE,
      user_id     uuid NOT NULL,
      seq         integer NOT NULL,
      quantity    integer NOT NULL CHECK (quantity > 0),
      state       text NOT NULL DEFAULT 'waiting' CHECK (state IN ('waiting', 'admitted', 'expired', 'sold_out')),
      created_at  timestamptz NOT NULL DEFAULT now(),
      admitted_at timestamptz,
      expires_at  timestamptz,
      used_at     timestamptz,
      UNIQUE (sale_id, user_id),
      UNIQUE (sale_id, seq),
      CHECK ((state = 'admitted') <= (expires_at IS NOT NULL))
    )`);
    // The queue: tickets not admitted yet, in issue order.
    await sql(`CREATE INDEX sale_tickets_queue_idx ON catalog.sale_tickets (sale_id, seq)
      WHERE state IN ('waiting', 'sold_out')`);
    await sql(`CREATE INDEX sale_tickets_admitted_idx ON catalog.sale_tickets (sale_id, expires_at)
      WHERE state = 'admitted'`);
  },
  async down({ sql }) {
    await sql(`DROP TABLE catalog.sale_tickets`);
    await sql(`DROP TABLE catalog.sales`);
  },
};
