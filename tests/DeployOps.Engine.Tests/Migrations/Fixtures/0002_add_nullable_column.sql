-- expect: expand
ALTER TABLE customers ADD COLUMN nickname text;
