"""What an import or export can fail with."""

from __future__ import annotations

from threadline.domain.errors import ThreadlineError


class ImportFailed(ThreadlineError):
    """The input cannot be imported; the message names the place in the file. Nothing of
    the import was kept."""

    code = "import_failed"
