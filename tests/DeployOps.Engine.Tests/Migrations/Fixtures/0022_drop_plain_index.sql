-- expect: expand
DROP INDEX customers_created_idx;
