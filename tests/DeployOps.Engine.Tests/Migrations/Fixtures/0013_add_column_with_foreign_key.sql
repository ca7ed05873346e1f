-- expect: expand
CREATE TABLE coupons (id serial PRIMARY KEY, code text NOT NULL);
ALTER TABLE orders ADD COLUMN coupon_id int REFERENCES coupons (id);
