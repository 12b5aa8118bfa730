"""Test support: real services (PostgreSQL, a live OpenHSS server) started by the tests themselves."""
