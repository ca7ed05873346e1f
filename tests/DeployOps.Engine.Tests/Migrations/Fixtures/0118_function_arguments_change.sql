-- expect: contract
DROP FUNCTION order_total(int);
CREATE FUNCTION order_total(cid bigint) RETURNS numeric LANGUAGE sql STABLE AS $$ SELECT coalesce(sum(total), 0) FROM orders WHERE customer_id = cid $$;
