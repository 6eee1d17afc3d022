"""The `trustdesk` console command: every Django management command, under one name.

`trustdesk serve`, `trustdesk demo`, `trustdesk simulate`, `trustdesk token create …` and Django's own
`trustdesk migrate` all run through here.
"""

from __future__ import annotations

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trustdesk.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(["trustdesk", *sys.argv[1:]])
    except ImproperlyConfigured as exc:
        # A configuration mistake is the operator's to fix: one readable line, not a traceback.
        sys.stderr.write(f"trustdesk: configuration error: {exc}\n")
        sys.exit(2)


if __name__ == "__main__":
    main()
