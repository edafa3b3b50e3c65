"""Layer 4: the moderation dashboard."""
