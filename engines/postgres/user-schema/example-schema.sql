-- An example of a user's schema for `dr-drill run --engine postgres --scenario user-schema --schema FILE.sql`:
-- an enum, a foreign key, a partitioned table, jsonb, bytea and array columns, a check constraint, and an UNLOGGED
-- table (which a physical backup cannot carry: the drill names it).
CREATE TYPE order_status AS ENUM ('new', 'paid', 'shipped', 'cancelled', 'ünïcode ✓');

CREATE TABLE customers (
  id bigint PRIMARY KEY,
  name text NOT NULL,
  email varchar(120),
  tags text[],
  profile jsonb
);

CREATE TABLE orders (
  id bigint NOT NULL,
  placed_at timestamptz NOT NULL,
  customer_id bigint NOT NULL REFERENCES customers (id),
  status order_status NOT NULL,
  total numeric(12, 2) NOT NULL CHECK (total >= 0),
  receipt bytea,
  PRIMARY KEY (id, placed_at)
) PARTITION BY RANGE (placed_at);
CREATE TABLE orders_2020s PARTITION OF orders FOR VALUES FROM ('2020-01-01') TO ('2030-01-01');
CREATE TABLE orders_other PARTITION OF orders DEFAULT;

CREATE UNLOGGED TABLE session_cache (
  key text PRIMARY KEY,
  customer_id bigint REFERENCES customers (id),
  payload jsonb NOT NULL,
  expires_at timestamp
);
