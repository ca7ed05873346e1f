-- expect: contract
ALTER TABLE customers ALTER COLUMN name SET NOT NULL;
