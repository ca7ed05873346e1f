-- expect: expand
ALTER TABLE customers ALTER COLUMN score TYPE bigint;
