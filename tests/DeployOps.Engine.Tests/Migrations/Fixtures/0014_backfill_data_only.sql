-- expect: expand
-- Data only: the catalog does not change.
UPDATE customers SET name = 'anonymous' WHERE name IS NULL;
UPDATE orders SET note = upper(note) WHERE id % 10 = 0;
