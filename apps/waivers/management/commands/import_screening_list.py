from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from apps.waivers import screening
from apps.waivers.models import ScreeningListEntry

SOURCES = {
    "csl": ScreeningListEntry.Source.CSL,
    "meti-end-user": ScreeningListEntry.Source.METI_END_USER,
}
SKIPS_SHOWN = 20


class Command(BaseCommand):
    help = (
        "Import a restricted-party list from its published file, replacing that list's "
        "previous entries, then screen the undecided export-control requests again. "
        "--source csl takes the Consolidated Screening List CSV from trade.gov; "
        "--source meti-end-user takes METI's End User List as .xlsx or CSV. A file that "
        "cannot be read entirely is refused and nothing changes."
    )

    def add_arguments(self, parser):
        parser.add_argument("--source", choices=sorted(SOURCES), required=True)
        parser.add_argument("file", help="The list's file (CSV, or .xlsx for METI's list).")

    def handle(self, *args, source, file, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(_("There is no file at %(path)s.") % {"path": path})
        verbosity = options["verbosity"]

        def rows_read(count):
            if verbosity:
                self.stdout.write(_("  %(count)s rows read…") % {"count": count})

        def requests_screened(done, total):
            if verbosity:
                self.stdout.write(
                    _("  %(done)s of %(total)s requests screened…") % {"done": done, "total": total}
                )

        try:
            result = screening.import_screening_list(
                source=SOURCES[source],
                path=path,
                progress=rows_read,
                rescreen_progress=requests_screened,
            )
        except screening.ScreeningFileError as error:
            raise CommandError(
                _("%(file)s was not imported: %(error)s") % {"file": path.name, "error": error}
            ) from error

        label = ScreeningListEntry.Source(result.source).label
        self.stdout.write(
            _("%(list)s: %(read)s rows read, %(imported)s entries imported, %(skipped)s skipped.")
            % {
                "list": label,
                "read": result.rows_read,
                "imported": result.imported,
                "skipped": len(result.skipped),
            }
        )
        shown = result.skipped if verbosity > 1 else result.skipped[:SKIPS_SHOWN]
        for row, reason in shown:
            self.stdout.write(
                _("  skipped row %(row)s: %(reason)s") % {"row": row, "reason": reason}
            )
        if len(shown) < len(result.skipped):
            self.stdout.write(
                _("  … and %(count)s more (run with -v 2 to see them all).")
                % {"count": len(result.skipped) - len(shown)}
            )
        self.stdout.write(
            _(
                "Previous entries: %(removed)s removed, %(kept)s kept as replaced because "
                "screening matches name them."
            )
            % {"removed": result.removed, "kept": result.kept}
        )
        self.stdout.write(
            self.style.SUCCESS(
                ngettext(
                    "Screened %(count)s undecided request again: %(flagged)s got new possible "
                    "matches.",
                    "Screened %(count)s undecided requests again: %(flagged)s got new possible "
                    "matches.",
                    result.requests_screened,
                )
                % {
                    "count": result.requests_screened,
                    "flagged": result.requests_with_new_matches,
                }
            )
        )
