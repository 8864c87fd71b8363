"""Helpers shared by test folders (instead of importing from another folder's test modules)."""
