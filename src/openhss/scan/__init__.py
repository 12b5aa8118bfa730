"""Reads container images in one pass and reports what is inside: components, unsafe settings, malware."""
