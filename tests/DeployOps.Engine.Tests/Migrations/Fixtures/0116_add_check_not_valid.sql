-- expect: contract
ALTER TABLE orders ADD CONSTRAINT orders_note_length CHECK (length(note) < 500) NOT VALID;
