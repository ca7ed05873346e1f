-- expect: contract
ALTER TABLE customers RENAME COLUMN name TO full_name;
