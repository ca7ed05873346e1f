-- expect: contract
ALTER TABLE audit_log ADD COLUMN source text NOT NULL;
