"""The store: the only holder of DuckDB and of every SQL statement of the product."""
