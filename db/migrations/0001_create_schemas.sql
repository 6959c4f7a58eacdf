-- Schemas of the product.
--   mapping  : dimensions (product lines, branches, annuity plans)
--   business : the monthly AUM detail loaded by the ETL
--   customer : customers, contract history, monthly snapshots, settings, state and run log
CREATE SCHEMA IF NOT EXISTS mapping;
CREATE SCHEMA IF NOT EXISTS business;
CREATE SCHEMA IF NOT EXISTS customer;
