"""OpenHSS: self-hosted container-image security with the provider's API."""

__version__ = "0.1.0"
