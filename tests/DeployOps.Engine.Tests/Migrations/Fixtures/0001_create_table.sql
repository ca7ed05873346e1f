-- expect: expand
CREATE TABLE coupons (id serial PRIMARY KEY, code text NOT NULL UNIQUE, percent int NOT NULL CHECK (percent BETWEEN 1 AND 100));
