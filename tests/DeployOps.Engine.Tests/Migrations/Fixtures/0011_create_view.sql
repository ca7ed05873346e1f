-- expect: expand
CREATE VIEW big_orders AS SELECT id, customer_id, total FROM orders WHERE total > 1000;
