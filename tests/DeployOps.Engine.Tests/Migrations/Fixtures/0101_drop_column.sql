-- expect: contract
ALTER TABLE customers DROP COLUMN legacy_code;
