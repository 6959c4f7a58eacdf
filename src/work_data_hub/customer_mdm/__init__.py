"""Typed wrappers over the customer schema's SQL functions. No business rules live here."""
