-- expect: contract
ALTER TABLE customers ALTER COLUMN balance TYPE numeric(10,1);
