-- expect: contract
ALTER TABLE customers ALTER COLUMN score TYPE smallint;
