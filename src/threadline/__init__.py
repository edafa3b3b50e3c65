"""Threadline: a self-hosted discussion engine for news sites."""

__version__ = "0.1.0"
