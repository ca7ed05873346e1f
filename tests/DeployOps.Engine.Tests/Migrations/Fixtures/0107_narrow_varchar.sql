-- expect: contract
ALTER TABLE customers ALTER COLUMN phone TYPE varchar(15);
