"""URL and key remapping rules, for sites that changed domains or URL schemes.

A rule rewrites the start of a thread key or URL: `old=new` replaces the prefix `old` by
`new`; a regex rule replaces what its pattern matches at the start (`\\1` … name its groups).
The first rule that matches applies; a value no rule matches is kept. The same rules serve
`threadline import --map/--map-file` (keys and URLs as they are read) and `threadline remap`
(threads already stored). Rules files are documented in docs/export-format.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from threadline.domain.errors import InvalidInput

REGEX = "regex"


@dataclass(frozen=True, slots=True)
class Rule:
    """`old=new`: a value starting with `old` starts with `new` instead; with `pattern`, what
    the pattern matches at the start of a value is replaced by the expansion of `new`."""

    old: str
    new: str
    pattern: re.Pattern[str] | None = None

    @classmethod
    def parse(cls, text: str) -> Rule:
        """`OLD-PREFIX=NEW-PREFIX`, as given to `--map` (split at the first `=`)."""
        old, sep, new = text.partition("=")
        if not sep or not old:
            raise InvalidInput(f"{text!r} is not OLD-PREFIX=NEW-PREFIX", code="invalid_map")
        return cls(old, new)

    @classmethod
    def regex(cls, pattern: str, replacement: str) -> Rule:
        try:
            compiled = re.compile(pattern)
        except re.error as exc:
            raise InvalidInput(
                f"{pattern!r} is not a valid regex: {exc}", code="invalid_map"
            ) from None
        return cls(pattern, replacement, compiled)

    def apply(self, value: str) -> str | None:
        """The rewritten value, or None when this rule does not match it."""
        if self.pattern is None:
            return self.new + value[len(self.old) :] if value.startswith(self.old) else None
        found = self.pattern.match(value)
        if found is None:
            return None
        try:
            return found.expand(self.new) + value[found.end() :]
        except (re.error, IndexError) as exc:
            raise InvalidInput(
                f"regex rule {self.old!r}: {exc} (rewriting {value!r})", code="invalid_map"
            ) from None

    def describe(self) -> str:
        return f"regex {self.old} {self.new}" if self.pattern else f"{self.old}={self.new}"


def remap(value: str, rules: Iterable[Rule]) -> str:
    for rule in rules:
        rewritten = rule.apply(value)
        if rewritten is not None:
            return rewritten
    return value


def parse_rules_file(lines: Iterable[str], label: str) -> list[Rule]:
    """A rules file: one rule per line — `OLD NEW` (separated by white space), `OLD=NEW`
    (no white space), or `regex PATTERN REPLACEMENT`; blank lines and lines starting with
    `#` are ignored. An unreadable line is an InvalidInput naming it."""
    rules = []
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        where = f"{label} line {number}"
        parts = line.split()
        try:
            if parts[0] == REGEX:
                if len(parts) != 3:
                    raise InvalidInput("expected: regex PATTERN REPLACEMENT", code="invalid_map")
                rules.append(Rule.regex(parts[1], parts[2]))
            elif len(parts) == 2:
                rules.append(Rule(parts[0], parts[1]))
            elif len(parts) == 1:
                rules.append(Rule.parse(parts[0]))
            else:
                raise InvalidInput(
                    "expected: OLD NEW, OLD=NEW or regex PATTERN REPLACEMENT", code="invalid_map"
                )
        except InvalidInput as exc:
            raise InvalidInput(f"{where}: {exc.message}", code="invalid_map") from None
    return rules


def read_rules(path: Path) -> list[Rule]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"cannot read {path}: {exc}", code="invalid_map") from None
    return parse_rules_file(text.splitlines(), path.name)


def all_rules(maps: Sequence[str], files: Sequence[Path]) -> list[Rule]:
    """`--map` rules first (in order), then each `--map-file`'s."""
    rules = [Rule.parse(m) for m in maps]
    for path in files:
        rules.extend(read_rules(path))
    return rules
