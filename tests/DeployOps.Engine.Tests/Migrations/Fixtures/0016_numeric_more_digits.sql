-- expect: expand
ALTER TABLE customers ALTER COLUMN balance TYPE numeric(14,2);
