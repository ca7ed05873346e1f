-- expect: expand
ALTER TABLE customers ALTER COLUMN age TYPE integer;
