"""The demo newspaper: three fictional articles, their discussions, and seeding through services.

Layer 3 like service/: no HTTP, no SQL — only threadline.service use cases.
"""
