"""Layer 1: text handling — Markdown rendering, the one HTML sanitizer, input text checks."""
