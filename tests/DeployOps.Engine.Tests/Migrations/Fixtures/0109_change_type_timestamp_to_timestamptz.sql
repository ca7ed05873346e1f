-- expect: contract
ALTER TABLE customers ALTER COLUMN created TYPE timestamptz;
