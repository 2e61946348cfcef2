"""Scenario suites (YAML); a package so the files ship with the distribution."""
