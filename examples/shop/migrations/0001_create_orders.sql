CREATE TABLE IF NOT EXISTS orders (id bigserial PRIMARY KEY, placed_at timestamptz NOT NULL DEFAULT now(), total_cents bigint NOT NULL);
INSERT INTO schema_migrations (version) VALUES ('0001') ON CONFLICT DO NOTHING;
