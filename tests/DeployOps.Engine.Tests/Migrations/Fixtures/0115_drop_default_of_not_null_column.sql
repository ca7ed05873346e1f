-- expect: contract
ALTER TABLE orders ALTER COLUMN total DROP DEFAULT;
