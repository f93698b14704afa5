"""Restricted-party screening of export-control requests.

Operators import the published files of two lists: the US Consolidated Screening List
(the trade.gov CSV) and METI's End User List (Excel or CSV). A request's receiving agency,
consignee and end user are compared with every current entry's name and alternative
names after normalisation (NFKC, case folding, punctuation and corporate suffixes
removed); a score of MATCH_THRESHOLD or more flags a possible match on the request, which
a reviewer clears with a comment before the request may be approved.

Screening runs when the firm submits or resubmits, and again for every undecided request
after each import. The comparison errs towards flagging: a reviewer clears a false alarm
in a minute, while a missed listed party is an export-control breach."""

import csv
import io
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import Path

from django.db import connection, transaction
from django.db.models import Exists, Max, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from apps.core.errors import PermissionDeniedError, PortalError, TransitionNotAllowed
from apps.organizations import permissions as org_permissions
from apps.waivers import workflow
from apps.waivers.models import (
    ScreeningListEntry,
    ScreeningMatch,
    WaiverEvent,
    WaiverRequest,
)

Source = ScreeningListEntry.Source
Party = ScreeningMatch.Field

# A name scoring this or more against a listed name is a possible match (0..1).
MATCH_THRESHOLD = 0.85
# The score given when one name's words all appear in the other (e.g. a listed company
# inside the longer name of its subsidiary), whatever the difference in length.
CONTAINED_SCORE = 0.9
PROGRESS_EVERY = 1000
# Statuses whose requests are screened again after an import: submitted, not decided.
OPEN_STATUSES = workflow.BEFORE_DECISION - {WaiverRequest.Status.DRAFT}
# PostgreSQL advisory lock: an import holds it exclusively while it replaces entries,
# screenings hold it shared, so no screening links a match to an entry being deleted.
LISTS_LOCK = 0x5C4EE7


class ScreeningFileError(PortalError):
    """The file is not the list's published format, or a row of it cannot be read.
    Nothing is imported."""


# --- Names ---------------------------------------------------------------------------


def _longest_first(phrases: str) -> tuple:
    return tuple(sorted(phrases.split("|"), key=len, reverse=True))


# Written forms of a company's legal form, removed from the end of a name (and "the"
# from its start), longest first. Compared after normalisation, so "Co., Ltd." is "co ltd".
CORPORATE_SUFFIXES = tuple(
    tuple(phrase.split())
    for phrase in _longest_first(
        "co|company|corp|corporation|inc|incorporated|ltd|limited|llc|llp|lp|plc|kk|gk|yk|"
        "kabushiki kaisha|kabushikigaisha|kabushikikaisha|godo kaisha|yugen kaisha|gmbh|ag|"
        "sa|sas|sarl|srl|spa|bv|nv|oy|ab|pte|pty|pvt|private|jsc|ojsc|pjsc|cjsc|ooo|oao|zao|"
        "fze|fzco|fzc|sa de cv|limited liability company|limited liability partnership|"
        "joint stock company"
    )
)
# Japanese and Chinese legal forms, written before or after the name without a space.
CJK_LEGAL_FORMS = _longest_first(
    "株式会社|有限会社|合同会社|合資会社|合名会社|一般社団法人|一般財団法人|公益社団法人|"
    "公益財団法人|股份有限公司|有限责任公司|有限責任公司|有限公司"
)
# Abbreviated forms in brackets: ㈱ and ㈲ become (株) and (有) under NFKC.
CJK_BRACKETED_FORMS = ("(株)", "(有)", "(合)", "(同)", "(資)", "(名)")
# Removed without leaving a space, so that "K.K." is "kk" and "O'Neill" is "oneill".
JOINING_MARKS = str.maketrans("", "", ".'’‘`")


def _is_separator(char: str) -> bool:
    category = unicodedata.category(char)
    return category[0] in "PSZC"


def normalize_name(value: str | None) -> str:
    """The form names are compared in: NFKC (full- and half-width forms alike), case
    folded, punctuation and symbols turned into spaces, legal forms such as Co., Ltd.,
    Inc., LLC, K.K. and 株式会社 removed, whitespace collapsed. A name that is nothing but
    a legal form keeps it."""
    if not value:
        return ""
    text = unicodedata.normalize("NFKC", str(value)).casefold()
    for form in CJK_BRACKETED_FORMS:
        text = text.replace(form, " ")
    text = text.translate(JOINING_MARKS)
    text = "".join(" " if _is_separator(char) else char for char in text)
    words = text.split()
    stripped = _strip_legal_forms(words)
    return " ".join(stripped or words)


def _strip_legal_forms(words: list[str]) -> list[str]:
    words = list(words)
    if len(words) > 1 and words[0] == "the":
        words = words[1:]
    changed = True
    while changed and words:
        changed = False
        for suffix in CORPORATE_SUFFIXES:
            if len(words) > len(suffix) and tuple(words[-len(suffix) :]) == suffix:
                words = words[: -len(suffix)]
                changed = True
                break
        for form in CJK_LEGAL_FORMS:
            if words and words[0].startswith(form):
                words[0] = words[0][len(form) :]
                changed = True
            if words and words[-1].endswith(form):
                words[-1] = words[-1][: -len(form)]
                changed = True
            words = [word for word in words if word]
    return words


def _is_latin(text: str) -> bool:
    return all(ord(char) < 0x250 for char in text)


@dataclass(frozen=True)
class _Name:
    """A normalised name with what the comparison needs, computed once."""

    text: str
    words: frozenset
    sorted_text: str

    @classmethod
    def of(cls, normalized: str) -> "_Name":
        words = normalized.split()
        return cls(normalized, frozenset(words), " ".join(sorted(words)))


def _contained(a: _Name, b: _Name) -> bool:
    """Whether the shorter name is wholly inside the longer one: all of its words (two or
    more, or one long word), or for names written without spaces (Japanese, Chinese) at
    least three characters of it."""
    short, long = (a, b) if len(a.text) <= len(b.text) else (b, a)
    if not short.text or short.text == long.text:
        return bool(short.text)
    if len(short.words) >= 2:
        return short.words <= long.words
    if _is_latin(short.text):
        return len(short.text) >= 6 and short.text in long.words
    return len(short.text) >= 3 and short.text in long.text.replace(" ", "")


class _Comparer:
    """Compares one name with many. SequenceMatcher caches its work on the fixed name, and
    the cheap upper bounds (lengths, then shared characters) skip the listed names that
    cannot reach the floor, which is most of them."""

    def __init__(self, name: _Name):
        self.name = name
        self.plain = SequenceMatcher(None, autojunk=False)
        self.plain.set_seq2(name.text)
        self.sorted = SequenceMatcher(None, autojunk=False)
        self.sorted.set_seq2(name.sorted_text)

    def score(self, other: _Name, *, floor: float = 0.0) -> float:
        """The similarity, exact when it is `floor` or more; below that, some lower value."""
        mine = self.name
        if not mine.text or not other.text:
            return 0.0
        if other.text == mine.text:
            return 1.0
        best = CONTAINED_SCORE if _contained(mine, other) else 0.0
        pairs = [(self.plain, mine.text, other.text)]
        if mine.sorted_text != mine.text or other.sorted_text != other.text:
            pairs.append((self.sorted, mine.sorted_text, other.sorted_text))
        for matcher, fixed, text in pairs:
            need = max(best, floor)
            if 2 * min(len(fixed), len(text)) < need * (len(fixed) + len(text)):
                continue
            matcher.set_seq1(text)
            if matcher.quick_ratio() >= need:
                best = max(best, matcher.ratio())
        return best


def similarity(a: str, b: str) -> float:
    """How alike two names are once normalised, from 0 to 1: the better of the two
    strings' and of their words' (in alphabetical order) difflib ratios, or
    CONTAINED_SCORE if one name lies wholly inside the other."""
    return _Comparer(_Name.of(normalize_name(a))).score(_Name.of(normalize_name(b)))


# --- The index of current entries -----------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """A listed entry one of a request's names scores MATCH_THRESHOLD or more against."""

    entry_id: int
    source: str
    list_name: str
    source_reference: str
    listed_name: str
    matched_name: str  # the listed name or alternative name that scored best
    score: float


@dataclass(frozen=True)
class _Variant:
    entry_id: int
    spelling: str
    name: _Name


class ScreeningIndex:
    """Every current entry's names, loaded once for any number of screenings."""

    def __init__(self):
        self.version = _lists_version()
        self.entries: dict[int, dict] = {}
        self.variants: list[_Variant] = []
        self.imported_at: dict[str, str] = {}
        current = ScreeningListEntry.objects.filter(replaced_at__isnull=True).values(
            "pk",
            "source",
            "name",
            "alt_names",
            "list_name",
            "source_reference",
            "normalized_names",
            "imported_at",
        )
        for row in current.iterator(chunk_size=2000):
            self.entries[row["pk"]] = row
            spellings = [row["name"], *row["alt_names"]]
            for spelling, normalized in zip(spellings, row["normalized_names"], strict=False):
                if normalized:
                    self.variants.append(_Variant(row["pk"], spelling, _Name.of(normalized)))
            stamp = row["imported_at"].isoformat()
            self.imported_at[row["source"]] = max(self.imported_at.get(row["source"], ""), stamp)

    def is_stale(self) -> bool:
        return _lists_version() != self.version

    def candidates(self, name: str) -> list[Candidate]:
        """The entries `name` possibly matches, best first, one per entry."""
        comparer = _Comparer(_Name.of(normalize_name(name)))
        best: dict[int, tuple[float, str]] = {}
        for variant in self.variants:
            score = comparer.score(variant.name, floor=MATCH_THRESHOLD)
            if score >= MATCH_THRESHOLD and score > best.get(variant.entry_id, (0.0, ""))[0]:
                best[variant.entry_id] = (score, variant.spelling)
        found = []
        for entry_id, (score, spelling) in best.items():
            entry = self.entries[entry_id]
            found.append(
                Candidate(
                    entry_id=entry_id,
                    source=entry["source"],
                    list_name=entry["list_name"],
                    source_reference=entry["source_reference"],
                    listed_name=entry["name"],
                    matched_name=spelling,
                    score=round(score, 3),
                )
            )
        return sorted(found, key=lambda c: (-c.score, c.listed_name, c.entry_id))


def _lists_version():
    """Grows with every import, whose entries are new rows."""
    return ScreeningListEntry.objects.aggregate(latest=Max("pk"))["latest"]


def _lock_lists(*, shared: bool) -> None:
    if connection.vendor != "postgresql":
        return  # SQLite runs one writing transaction at a time
    function = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {function}(%s)", [LISTS_LOCK])


# --- Screening a request ------------------------------------------------------------


@dataclass
class ScreeningResult:
    new: list[ScreeningMatch] = field(default_factory=list)
    lapsed: list[ScreeningMatch] = field(default_factory=list)
    open_count: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.new or self.lapsed)


def parties_of(request: WaiverRequest) -> list[tuple[str, str]]:
    """The (party field, name) pairs screened: the receiving agency under each of its
    names, the consignee and the end user."""
    agency = request.receiving_agency
    pairs = [
        (Party.RECEIVING_AGENCY, agency.name_en),
        (Party.RECEIVING_AGENCY, agency.name_ja),
        (Party.CONSIGNEE, request.consignee),
        (Party.END_USER, request.end_user),
    ]
    seen, parties = set(), []
    for party, name in pairs:
        name = (name or "").strip()
        key = (party, normalize_name(name))
        if name and key not in seen:
            seen.add(key)
            parties.append((party, name))
    return parties


def _match_key(party: str, screened_name: str, source: str, list_name: str, matched: str):
    """What makes two matches the same finding, across imports that replace entries."""
    return (party, normalize_name(screened_name), source, list_name, normalize_name(matched))


def _summary(match: ScreeningMatch) -> dict:
    return {
        "party": match.field,
        "name": match.screened_name,
        "listed_name": match.listed_name,
        "matched_name": match.matched_name,
        "source": match.source,
        "list": match.list_name,
        "number": match.source_reference,
        "score": match.score,
    }


@transaction.atomic
def screen_request(
    request: WaiverRequest,
    *,
    actor=None,
    index: ScreeningIndex | None = None,
    record_if_unchanged: bool = True,
) -> ScreeningResult:
    """(Re)computes the request's possible matches against the current entries. New
    findings become open matches; open matches no longer found lapse; cleared matches
    stay as they are, and a finding already cleared is not raised again. Writes a
    `screened` audit event (`actor` None: the system), unless nothing changed and
    `record_if_unchanged` is false."""
    request = (
        WaiverRequest.objects.select_for_update(of=("self",))
        .select_related("receiving_agency")
        .get(pk=request.pk)
    )
    _lock_lists(shared=True)
    if index is None or index.is_stale():
        index = ScreeningIndex()
    now = timezone.now()
    existing = list(ScreeningMatch.objects.filter(request=request).order_by("pk"))
    open_by_key, cleared = {}, set()
    for match in existing:
        key = _match_key(
            match.field, match.screened_name, match.source, match.list_name, match.matched_name
        )
        if match.is_open:
            open_by_key[key] = match
        elif match.is_cleared:
            cleared.add(key)
    result = ScreeningResult()
    found = set()
    for party, name in parties_of(request):
        for candidate in index.candidates(name):
            key = _match_key(
                party, name, candidate.source, candidate.list_name, candidate.matched_name
            )
            if key in found:
                continue
            found.add(key)
            if key in open_by_key or key in cleared:
                continue
            result.new.append(
                ScreeningMatch(
                    request=request,
                    field=party,
                    screened_name=name[:300],
                    entry_id=candidate.entry_id,
                    matched_name=candidate.matched_name,
                    listed_name=candidate.listed_name,
                    source=candidate.source,
                    list_name=candidate.list_name,
                    source_reference=candidate.source_reference,
                    score=candidate.score,
                    found_at=now,
                )
            )
    for key, match in open_by_key.items():
        if key not in found:
            match.lapsed_at = now
            match.save(update_fields=["lapsed_at"])
            result.lapsed.append(match)
    ScreeningMatch.objects.bulk_create(result.new)
    result.open_count = ScreeningMatch.objects.filter(
        request=request, cleared_at__isnull=True, lapsed_at__isnull=True
    ).count()
    if result.changed or record_if_unchanged:
        WaiverEvent.objects.create(
            request=request,
            actor=actor,
            kind=WaiverEvent.Kind.SCREENED,
            comment=_screening_comment(result, index),
            changed_fields={
                "lists": index.imported_at,
                "new": [_summary(m) for m in result.new],
                "lapsed": [_summary(m) for m in result.lapsed],
                "open": result.open_count,
            },
        )
    return result


def _screening_comment(result: ScreeningResult, index: ScreeningIndex) -> str:
    if not index.imported_at:
        return _("No restricted-party list has been imported: nothing was screened.")
    parts = [
        ngettext(
            "%(count)s new possible restricted-party match.",
            "%(count)s new possible restricted-party matches.",
            len(result.new),
        )
        % {"count": len(result.new)}
    ]
    if result.lapsed:
        parts.append(
            ngettext(
                "%(count)s earlier match is no longer found.",
                "%(count)s earlier matches are no longer found.",
                len(result.lapsed),
            )
            % {"count": len(result.lapsed)}
        )
    parts.append(
        ngettext(
            "%(count)s match to clear before approval.",
            "%(count)s matches to clear before approval.",
            result.open_count,
        )
        % {"count": result.open_count}
    )
    return " ".join(parts)


def uncleared_matches_exist(request: WaiverRequest) -> bool:
    """Whether a possible match that is neither cleared nor lapsed holds the approval."""
    return ScreeningMatch.objects.filter(
        request_id=request.pk, cleared_at__isnull=True, lapsed_at__isnull=True
    ).exists()


@transaction.atomic
def clear_match(*, actor, match: ScreeningMatch, comment: str) -> ScreeningMatch:
    """A reviewer who declared no conflict with the firm clears a possible match, saying
    why it is not the listed party. Raises PermissionDeniedError or TransitionNotAllowed
    with a message for the reviewer."""
    from apps.waivers.services import has_declared_no_conflict

    if not org_permissions.is_waiver_reviewer(actor):
        raise PermissionDeniedError(_("Only export-control reviewers can clear a possible match."))
    request = WaiverRequest.objects.select_for_update().get(pk=match.request_id)
    if not has_declared_no_conflict(actor, request):
        raise PermissionDeniedError(
            _("Declare that you have no conflict of interest with this firm first.")
        )
    match = ScreeningMatch.objects.select_for_update().get(pk=match.pk)
    comment = (comment or "").strip()
    if not comment:
        raise TransitionNotAllowed(
            _("Write a comment saying why this is not the listed party: it goes into the record.")
        )
    if match.is_cleared:
        raise TransitionNotAllowed(_("This match has already been cleared."))
    if match.lapsed_at is not None:
        raise TransitionNotAllowed(_("This match is no longer found: there is nothing to clear."))
    if request.is_decided:
        raise TransitionNotAllowed(_("The request has been decided: its matches are closed."))
    match.cleared_by = actor
    match.cleared_at = timezone.now()
    match.clearing_comment = comment
    match.full_clean()
    match.save(update_fields=["cleared_by", "cleared_at", "clearing_comment"])
    WaiverEvent.objects.create(
        request=request,
        actor=actor,
        kind=WaiverEvent.Kind.SCREENING_CLEARED,
        comment=comment,
        changed_fields={"match": match.pk, **_summary(match)},
    )
    return match


def rescreen_open_requests(
    *, progress: Callable[[int, int], None] | None = None
) -> tuple[int, int]:
    """Screens every submitted, undecided request again, each in its own transaction,
    recording an event only where something changed. Returns (requests screened,
    requests that got new possible matches)."""
    index = ScreeningIndex()
    pks = list(
        WaiverRequest.objects.filter(status__in=OPEN_STATUSES)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    flagged = 0
    for done, pk in enumerate(pks, start=1):
        request = WaiverRequest(pk=pk)
        result = screen_request(request, index=index, record_if_unchanged=False)
        flagged += bool(result.new)
        if progress and (done % PROGRESS_EVERY == 0 or done == len(pks)):
            progress(done, len(pks))
    return len(pks), flagged


# --- Reading the lists' files ---------------------------------------------------------


@dataclass
class ParsedEntry:
    row: int
    name: str
    alt_names: list[str]
    country: str = ""
    address: str = ""
    list_name: str = ""
    programs: str = ""
    source_reference: str = ""


@dataclass
class ParsedFile:
    entries: list[ParsedEntry] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (row, reason)
    rows_read: int = 0


Progress = Callable[[int], None] | None

CSL_REQUIRED_COLUMNS = (
    "_id",
    "source",
    "entity_number",
    "type",
    "programs",
    "name",
    "addresses",
    "alt_names",
)
ZIP_MAGIC = b"PK\x03\x04"


def _read_bytes(path: Path) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as error:
        raise ScreeningFileError(
            _("The file cannot be read: %(error)s") % {"error": error.strerror or error}
        ) from error


def _decode(data: bytes, encodings: Iterable[str]) -> str:
    if b"\x00" in data[:4096]:
        raise ScreeningFileError(_("This is not a text (CSV) file."))
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ScreeningFileError(
        _("The file's characters cannot be read: save it as UTF-8 CSV and import it again.")
    )


def _csv_rows(text: str) -> Iterator[tuple[int, list[str]]]:
    """(row number, cells); the first row is row 1, as a spreadsheet numbers them."""
    reader = csv.reader(io.StringIO(text, newline=""))
    row_number = 0
    while True:
        row_number += 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise ScreeningFileError(
                _("Row %(row)s cannot be read as CSV: %(error)s")
                % {"row": row_number, "error": error}
            ) from error
        yield row_number, row


BULLETS = " \t・•･"


def _split(value: str, separators: str) -> list[str]:
    parts = (part.strip(BULLETS) for part in re.split(f"[{re.escape(separators)}]", value or ""))
    return [part for part in parts if part]


def _unique(values: Iterable[str], *, besides: str = "") -> list[str]:
    seen = {normalize_name(besides)} if besides else set()
    unique = []
    for value in values:
        key = normalize_name(value)
        if key and key not in seen:
            seen.add(key)
            unique.append(value)
    return unique


def _report_progress(progress: Progress, rows_read: int) -> None:
    if progress and rows_read % PROGRESS_EVERY == 0:
        progress(rows_read)


def _keep(parsed: ParsedFile, entry: ParsedEntry, seen: dict) -> None:
    """Adds the entry unless it has no usable name or repeats an earlier row."""
    if not entry.name:
        parsed.skipped.append((entry.row, _("no name")))
        return
    if not normalize_name(entry.name):
        parsed.skipped.append((entry.row, _("the name has no letters or digits")))
        return
    key = (normalize_name(entry.name), entry.list_name, entry.source_reference)
    if key in seen:
        parsed.skipped.append((entry.row, _("the same entry as row %(row)s") % {"row": seen[key]}))
        return
    seen[key] = entry.row
    parsed.entries.append(entry)


def parse_csl_csv(path: Path, *, progress: Progress = None) -> ParsedFile:
    """The Consolidated Screening List as trade.gov publishes it in CSV
    (consolidated_screening_list.csv): alternative names are separated by semicolons and
    each address ends with its country."""
    data = _read_bytes(path)
    if data.startswith(ZIP_MAGIC):
        raise ScreeningFileError(
            _(
                "This is a spreadsheet: the Consolidated Screening List is imported from its "
                "CSV file."
            )
        )
    rows = _csv_rows(_decode(data, ["utf-8-sig"]))
    header_row = next(rows, None)
    if header_row is None or not any(cell.strip() for cell in header_row[1]):
        raise ScreeningFileError(_("The file is empty."))
    header = [cell.strip().lstrip("\ufeff") for cell in header_row[1]]
    missing = [column for column in CSL_REQUIRED_COLUMNS if column not in header]
    if missing:
        raise ScreeningFileError(
            _(
                "This is not the Consolidated Screening List CSV: its first row lacks the "
                "column(s) %(columns)s."
            )
            % {"columns": ", ".join(missing)}
        )
    column = {name: header.index(name) for name in header if name}
    parsed, seen = ParsedFile(), {}
    for row_number, cells in rows:
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(header):
            raise ScreeningFileError(
                _("Row %(row)s has %(found)s columns where the header has %(expected)s.")
                % {"row": row_number, "found": len(cells), "expected": len(header)}
            )
        parsed.rows_read += 1
        _report_progress(progress, parsed.rows_read)

        def cell(name, cells=cells):
            return cells[column[name]].strip()

        name = cell("name")
        addresses = _split(cell("addresses"), ";")
        countries = _unique(address.rsplit(",", 1)[-1].strip() for address in addresses)
        _keep(
            parsed,
            ParsedEntry(
                row=row_number,
                name=name,
                alt_names=_unique(_split(cell("alt_names"), ";"), besides=name),
                country=", ".join(countries)[:300],
                address="; ".join(addresses),
                list_name=cell("source")[:300],
                programs=cell("programs"),
                source_reference=(cell("entity_number") or cell("_id"))[:100],
            ),
            seen,
        )
    return parsed


# The End User List's columns, in its English and Japanese editions. A header cell is
# recognised when it contains one of the labels (after NFKC and case folding); the
# number column only when it is exactly one of its labels.
METI_NUMBER_LABELS = ("no", "no.", "番号", "#")
METI_COLUMN_LABELS = {
    "name": ("company or organization", "company or organisation", "企業名", "組織名"),
    "alt_names": ("also known as", "別名"),
    "country": ("country or region", "country", "国名", "地域名"),
    "wmd": ("type of wmd", "wmd", "懸念区分"),
}
METI_HEADER_SEARCH_ROWS = 30


def _label(value) -> str:
    text = unicodedata.normalize("NFKC", _cell_text(value)).casefold()
    return " ".join(text.split())


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _meti_columns(cells: list) -> dict[str, int] | None:
    """The column of each field if this row is the End User List's header, else None."""
    columns: dict[str, int] = {}
    for position, value in enumerate(cells):
        label = _label(value)
        if not label:
            continue
        if label in METI_NUMBER_LABELS:
            columns.setdefault("number", position)
            continue
        for name, labels in METI_COLUMN_LABELS.items():
            if name not in columns and any(known in label for known in labels):
                columns[name] = position
                break
    return columns if {"name", "country"} <= columns.keys() else None


def _parse_meti_rows(rows: Iterable[tuple[int, list]], progress: Progress) -> ParsedFile:
    columns = None
    parsed, seen = ParsedFile(), {}
    for row_number, cells in rows:
        if columns is None:
            columns = _meti_columns(cells)
            if columns is None and row_number >= METI_HEADER_SEARCH_ROWS:
                break
            continue
        values = {
            name: _cell_text(cells[i]) if i < len(cells) else "" for name, i in columns.items()
        }
        if not any(values.values()):
            continue
        parsed.rows_read += 1
        _report_progress(progress, parsed.rows_read)
        name = values["name"]
        _keep(
            parsed,
            ParsedEntry(
                row=row_number,
                name=name,
                alt_names=_unique(_split(values.get("alt_names", ""), "\n;；"), besides=name),
                country=values["country"][:300],
                programs=values.get("wmd", ""),
                source_reference=values.get("number", "")[:100],
            ),
            seen,
        )
    if columns is None:
        raise ScreeningFileError(
            _(
                "This does not look like METI's End User List: none of its first %(rows)s rows "
                "has the columns “Country or Region” and “Company or Organization” "
                "(国名・地域名, 企業名・組織名)."
            )
            % {"rows": METI_HEADER_SEARCH_ROWS}
        )
    return parsed


def _xlsx_rows(data: bytes) -> list[tuple[int, list]]:
    """The rows of the first worksheet that has the End User List's header, else of the
    first worksheet."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            sheets = [
                [list(cells) for cells in sheet.iter_rows(values_only=True)]
                for sheet in workbook.worksheets
            ]
        finally:
            workbook.close()
    # A damaged workbook fails in zipfile, in the XML parser or in openpyxl itself.
    except Exception as error:
        raise ScreeningFileError(
            _("The Excel file cannot be read (%(error)s): save it again as .xlsx.")
            % {"error": error}
        ) from error
    for rows in sheets:
        if any(_meti_columns(cells) for cells in rows[:METI_HEADER_SEARCH_ROWS]):
            return list(enumerate(rows, start=1))
    return list(enumerate(sheets[0], start=1)) if sheets else []


def parse_meti_end_user(path: Path, *, progress: Progress = None) -> ParsedFile:
    """METI's End User List as published in Excel (.xlsx) or as CSV: a few title rows,
    then a header row (English or Japanese) with No., Country or Region, Company or
    Organization, Also Known As and Type of WMD."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".xls", ".xlsb"):
        raise ScreeningFileError(
            _(
                "This Excel format cannot be read: save the file as .xlsx or CSV and import "
                "it again."
            )
        )
    data = _read_bytes(path)
    if data.startswith(ZIP_MAGIC) or suffix in (".xlsx", ".xlsm"):
        if not data.startswith(ZIP_MAGIC):
            raise ScreeningFileError(_("This is not an Excel (.xlsx) file, whatever its name."))
        return _parse_meti_rows(_xlsx_rows(data), progress)
    # METI publishes Japanese CSV files in Shift_JIS (cp932); others save UTF-8.
    return _parse_meti_rows(_csv_rows(_decode(data, ["utf-8-sig", "cp932"])), progress)


PARSERS = {Source.CSL: parse_csl_csv, Source.METI_END_USER: parse_meti_end_user}


# --- Importing ------------------------------------------------------------------------


@dataclass
class ImportResult:
    source: str
    rows_read: int
    imported: int
    skipped: list[tuple[int, str]]
    removed: int  # previous entries deleted
    kept: int  # previous entries kept, replaced, because matches name them
    requests_screened: int = 0
    requests_with_new_matches: int = 0


def _entry(source: str, parsed: ParsedEntry, now) -> ScreeningListEntry:
    normalized = [normalize_name(name) for name in [parsed.name, *parsed.alt_names]]
    return ScreeningListEntry(
        source=source,
        name=parsed.name,
        alt_names=parsed.alt_names,
        country=parsed.country,
        address=parsed.address,
        list_name=parsed.list_name,
        programs=parsed.programs,
        source_reference=parsed.source_reference,
        normalized_name=normalized[0][:500],
        normalized_names=normalized,
        imported_at=now,
    )


@transaction.atomic
def replace_entries(*, source: str, entries: list[ParsedEntry]) -> tuple[int, int, int]:
    """Makes `entries` the source's current entries, in one transaction. Previous entries
    that a match names are kept and marked replaced; the others are deleted, as are
    replaced entries no match names any longer. Returns (imported, removed, kept)."""
    _lock_lists(shared=False)
    now = timezone.now()
    previous = ScreeningListEntry.objects.filter(source=source)
    named = Exists(ScreeningMatch.objects.filter(entry=OuterRef("pk")))
    kept = previous.filter(named, replaced_at__isnull=True).update(replaced_at=now)
    removed, _deleted = previous.exclude(named).delete()
    created = ScreeningListEntry.objects.bulk_create(
        (_entry(source, parsed, now) for parsed in entries), batch_size=1000
    )
    return len(created), removed, kept


def import_screening_list(
    *,
    source: str,
    path: Path,
    progress: Progress = None,
    rescreen_progress: Callable[[int, int], None] | None = None,
) -> ImportResult:
    """Reads the source's published file and, if all of it can be read, replaces the
    source's entries with it, then screens the undecided requests again. A file that is
    not the expected format, or has a row that cannot be read, raises ScreeningFileError
    and changes nothing."""
    if source not in PARSERS:
        raise ScreeningFileError(_("Unknown list: %(source)s") % {"source": source})
    parsed = PARSERS[source](Path(path), progress=progress)
    if not parsed.entries:
        raise ScreeningFileError(_("The file has no entries to import; the current list is kept."))
    imported, removed, kept = replace_entries(source=source, entries=parsed.entries)
    result = ImportResult(
        source=source,
        rows_read=parsed.rows_read,
        imported=imported,
        skipped=parsed.skipped,
        removed=removed,
        kept=kept,
    )
    result.requests_screened, result.requests_with_new_matches = rescreen_open_requests(
        progress=rescreen_progress
    )
    return result
