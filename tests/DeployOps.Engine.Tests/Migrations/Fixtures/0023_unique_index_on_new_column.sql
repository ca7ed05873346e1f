-- expect: expand
ALTER TABLE customers ADD COLUMN external_ref uuid; CREATE UNIQUE INDEX customers_external_ref_key ON customers (external_ref);
