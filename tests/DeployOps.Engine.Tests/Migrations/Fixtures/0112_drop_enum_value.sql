-- expect: contract
-- Enum values cannot be dropped in place: the type is rebuilt without 'cancelled'.
CREATE TYPE order_status_new AS ENUM ('new', 'paid', 'shipped');
ALTER TABLE orders ALTER COLUMN status DROP DEFAULT;
ALTER TABLE orders ALTER COLUMN status TYPE order_status_new USING status::text::order_status_new;
DROP TYPE order_status;
ALTER TYPE order_status_new RENAME TO order_status;
ALTER TABLE orders ALTER COLUMN status SET DEFAULT 'new';
