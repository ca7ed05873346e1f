-- expect: contract
DROP VIEW customer_orders;
CREATE VIEW customer_orders AS SELECT c.id, count(o.id) AS orders FROM customers c LEFT JOIN orders o ON o.customer_id = c.id GROUP BY c.id;
