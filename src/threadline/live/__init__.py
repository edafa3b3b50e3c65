"""Layer 2: live updates — the broker (in-process, PostgreSQL LISTEN/NOTIFY, Redis)."""
