-- expect: expand
ALTER TABLE orders ALTER COLUMN note SET DEFAULT '';
