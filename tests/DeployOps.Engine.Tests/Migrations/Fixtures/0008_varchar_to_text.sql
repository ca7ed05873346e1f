-- expect: expand
ALTER TABLE customers ALTER COLUMN phone TYPE text;
