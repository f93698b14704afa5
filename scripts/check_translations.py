"""Fails when the Japanese catalogue is stale or incomplete.

1. Every translatable string in the code has an entry in locale/ja (re-extracts with
   makemessages, which needs GNU gettext, into a scratch copy and compares msgids).
2. No entry is empty or fuzzy.
Run: .venv/bin/python scripts/check_translations.py
"""

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "locale" / "ja" / "LC_MESSAGES" / "django.po"


def load(path: Path):
    with path.open("rb") as handle:
        return read_po(handle, locale="ja")


def main() -> int:
    problems = []
    committed = load(PO)
    for message in committed:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            problems.append(f"untranslated or fuzzy: {message.id!r}")

    backup = Path(tempfile.mkdtemp()) / "django.po"
    shutil.copy2(PO, backup)
    try:
        subprocess.run(
            [
                sys.executable, "manage.py", "makemessages", "-l", "ja", "--no-location",
                "--no-obsolete", "-i", ".venv/*", "-i", "staticfiles/*", "-v", "0",
            ],
            cwd=ROOT,
            check=True,
        )  # fmt: skip
        fresh = load(PO)
    finally:
        shutil.copy2(backup, PO)
    missing = {m.id if isinstance(m.id, str) else m.id[0] for m in fresh if m.id} - {
        m.id if isinstance(m.id, str) else m.id[0] for m in committed if m.id
    }
    problems += [f"not in locale/ja (run `make messages`): {mid!r}" for mid in sorted(missing)]
    for problem in problems:
        print(problem)
    print(f"translations: {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
