-- expect: expand
CREATE TYPE tier AS ENUM ('bronze', 'silver', 'gold');
ALTER TABLE customers ADD COLUMN tier tier;
