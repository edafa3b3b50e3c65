"""Layer 2: moderation — scorers and policies, pure."""
