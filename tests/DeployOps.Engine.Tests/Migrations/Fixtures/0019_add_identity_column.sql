-- expect: expand
ALTER TABLE audit_log ADD COLUMN seq int GENERATED ALWAYS AS IDENTITY;
