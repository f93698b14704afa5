"""Reading an intermediary's CSV of partner firms: one row per firm with its name, e-mail
address and Corporate Number. Every row is checked on its own and the reasons a row cannot
be imported are kept with it, so that the preview can show each one; nothing is written
here."""

import csv
import io
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.utils.translation import gettext as _

from apps.core.text import normalize_text
from apps.organizations.validators import normalize_corporate_number, validate_corporate_number

MAX_BYTES = 1024 * 1024
MAX_ROWS = 2000
NAME_MAX_LENGTH = 200
EMAIL_MAX_LENGTH = 254  # Partnership.email

# Header spellings people use, after NFKC, lower case and with spaces, hyphens and
# underscores removed; Japanese spreadsheets are usually headed in Japanese.
HEADERS = {
    "name": {
        "name", "firmname", "firm", "company", "companyname",
        "会社名", "企業名", "名称", "社名", "商号",
    },
    "email": {
        "email", "emailaddress", "mail", "mailaddress",
        "メールアドレス", "メール", "電子メール", "eメール",
    },
    "corporate_number": {"corporatenumber", "corporateno", "法人番号"},
}  # fmt: skip
COLUMNS = ("name", "email", "corporate_number")
TEMPLATE_HEADER = ["name", "email", "corporate_number"]


@dataclass
class ParsedFile:
    rows: list[dict] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # about the file as a whole

    @property
    def good_rows(self) -> list[dict]:
        return [row for row in self.rows if not row["errors"]]


def _header_key(text: str) -> str:
    text = normalize_text(text).lower()
    for separator in (" ", "-", "_", "・"):
        text = text.replace(separator, "")
    return text


def _decode(data: bytes) -> str | None:
    """UTF-8 (with or without the byte-order mark Excel writes), else Shift_JIS as
    Japanese Excel saves "CSV" by default."""
    for encoding in ("utf-8-sig", "cp932"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def _columns(header: list[str]) -> tuple[dict[str, int], list[str]]:
    found: dict[str, int] = {}
    for index, cell in enumerate(header):
        key = _header_key(cell)
        for column, spellings in HEADERS.items():
            if key in spellings and column not in found:
                found[column] = index
    missing = [column for column in COLUMNS if column not in found]
    return found, missing


def _check_row(values: dict[str, str]) -> list[str]:
    errors = []
    if not values["name"]:
        errors.append(_("The firm name is missing."))
    elif len(values["name"]) > NAME_MAX_LENGTH:
        errors.append(
            _("The firm name is longer than %(limit)d characters.") % {"limit": NAME_MAX_LENGTH}
        )
    if not values["email"]:
        errors.append(_("The e-mail address is missing."))
    else:
        try:
            EmailValidator()(values["email"])
            if len(values["email"]) > EMAIL_MAX_LENGTH:
                raise ValidationError("too long")
        except ValidationError:
            errors.append(_("“%(value)s” is not an e-mail address.") % {"value": values["email"]})
    if not values["corporate_number"]:
        errors.append(_("The Corporate Number is missing."))
    else:
        try:
            validate_corporate_number(values["corporate_number"])
        except ValidationError as error:
            errors.extend(error.messages)
    return errors


def parse(data: bytes) -> ParsedFile:
    parsed = ParsedFile()
    if len(data) > MAX_BYTES:
        parsed.errors.append(
            _("The file is larger than %(limit)d KB; split it into smaller files.")
            % {"limit": MAX_BYTES // 1024}
        )
        return parsed
    text = _decode(data)
    if text is None or "\x00" in text:
        parsed.errors.append(
            _("This is not a text CSV file in UTF-8 or Shift_JIS. Save it from your "
              "spreadsheet as “CSV UTF-8” and upload it again.")
        )  # fmt: skip
        return parsed
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        lines = [(reader.line_num, row) for row in reader]
    except csv.Error:
        parsed.errors.append(
            _("The file could not be read as CSV near line %(line)d: check its quotes.")
            % {"line": reader.line_num}
        )
        return parsed
    lines = [(number, row) for number, row in lines if any(cell.strip() for cell in row)]
    if not lines:
        parsed.errors.append(_("The file is empty."))
        return parsed
    (_number, header), body = lines[0], lines[1:]
    found, missing = _columns(header)
    if missing:
        parsed.errors.append(
            _("The first row must name the columns name, email and corporate_number "
              "(or 会社名, メールアドレス and 法人番号); missing: %(missing)s.")
            % {"missing": ", ".join(missing)}
        )  # fmt: skip
        return parsed
    if not body:
        parsed.errors.append(_("The file has a header row but no firms."))
        return parsed
    if len(body) > MAX_ROWS:
        parsed.errors.append(
            _("The file has %(count)d rows; at most %(limit)d can be imported at once.")
            % {"count": len(body), "limit": MAX_ROWS}
        )
        return parsed
    first_line_of: dict[str, int] = {}
    for number, cells in body:
        values = {
            column: normalize_text(cells[index]) if index < len(cells) else ""
            for column, index in found.items()
        }
        values["email"] = values["email"].lower()
        values["corporate_number"] = normalize_corporate_number(values["corporate_number"])
        errors = _check_row(values)
        number_ = values["corporate_number"]
        if number_ and not errors:
            if number_ in first_line_of:
                errors.append(
                    _("The same Corporate Number is on line %(line)d.")
                    % {"line": first_line_of[number_]}
                )
            else:
                first_line_of[number_] = number
        parsed.rows.append({"line": number, **values, "errors": errors})
    return parsed


def template_csv() -> str:
    """An example file to fill in (the Corporate Numbers are valid, and fictitious)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(TEMPLATE_HEADER)
    writer.writerow(["Example Photonics K.K.", "contact@example.co.jp", "9234567890123"])
    return out.getvalue()
