"""Layer 3: transfer — importers and exporters."""
