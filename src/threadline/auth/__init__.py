"""Layer 2: who is asking and what they may do. All access decisions live in permissions.py."""
