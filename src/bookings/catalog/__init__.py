"""Catalog: booking policies (+ snapshots) and services."""
