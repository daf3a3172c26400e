"""Contribution: contracts, readers, validation, pseudonymisation and versioned writes."""
