-- Schemas of the product and the extension the contract history needs.
--   mapping  : dimensions (product lines, branches, annuity plans)
--   business : the monthly AUM detail loaded by the ETL
--   customer : customers, contract history, monthly snapshots, settings, state and run log
CREATE SCHEMA IF NOT EXISTS mapping;
CREATE SCHEMA IF NOT EXISTS business;
CREATE SCHEMA IF NOT EXISTS customer;

-- btree_gist lets the contract table refuse overlapping versions of one key outright.
CREATE EXTENSION IF NOT EXISTS btree_gist;
