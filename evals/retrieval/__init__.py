"""Retrieval evaluation: labelled customer questions against the knowledge index."""
