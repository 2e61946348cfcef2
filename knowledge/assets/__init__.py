"""Bundled model assets (see README.md); a package only so they ship as package data."""
