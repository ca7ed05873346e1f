-- expect: expand
ALTER TABLE orders ALTER COLUMN total DROP NOT NULL;
