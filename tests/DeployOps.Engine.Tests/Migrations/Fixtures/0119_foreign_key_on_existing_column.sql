-- expect: contract
CREATE TABLE notes (body text PRIMARY KEY); INSERT INTO notes SELECT DISTINCT note FROM orders WHERE note IS NOT NULL; ALTER TABLE orders ADD CONSTRAINT orders_note_fkey FOREIGN KEY (note) REFERENCES notes (body);
