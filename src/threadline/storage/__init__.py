"""Layer 2: the only place SQL lives. One gateway of shared queries, one module per backend."""
