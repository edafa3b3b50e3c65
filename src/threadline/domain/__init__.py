"""Layer 0: the vocabulary of Threadline — dataclasses, state enums, events, errors, tree logic.

Nothing here performs I/O.
"""
