"""The data contract: the schema every file and table follows, the MRV constants of the regulations,
the global filters and the access scope as plain values. Imports nothing else of core."""
