"""Layer 5: the command line."""
