"""The matrix's tables: text a reviewer reads, one line per URL pattern (and object), one
column per role, parsed into rows the tests are parametrized with.

A table starts with a header line naming its columns: `pattern`, then `object` and, in
the API's table, `method`, then the roles in the order of world.ROLES. Blank lines and
lines starting with `#` are ignored. The object column fills the pattern's arguments from
the world (World.kwargs_for), `-` when it takes none. A cell is the outcome expected:

    200 201 204 301 302 400 403 404 405   that status code (302: a redirect, not to a login page)
    login                                 302 to a login page (the portal's or the admin's)
"""

from dataclasses import dataclass
from urllib.parse import urlparse

from django.urls import reverse

from tests.matrix.world import ROLES

OUTCOMES = frozenset({"200", "201", "204", "301", "302", "400", "403", "404", "405", "login"})


@dataclass(frozen=True)
class Row:
    pattern: str
    reference: str
    method: str
    expected: dict

    @property
    def label(self) -> str:
        where = "" if self.reference == "-" else f"({self.reference})"
        return f"{self.method} {self.pattern}{where}"


@dataclass(frozen=True)
class Cell:
    row: Row
    role: str

    @property
    def expected(self) -> str:
        return self.row.expected[self.role]

    def __str__(self) -> str:
        return f"{self.row.label} as {self.role}"


def parse(text: str, *, method: str | None = None) -> list[Row]:
    """Rows of a table; `method` for a table without a method column."""
    lines = [
        line.split()
        for line in text.strip().splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    header, *body = lines
    fixed = ["pattern", "object"] if method else ["pattern", "object", "method"]
    if header != [*fixed, *ROLES]:
        raise ValueError(f"table header {header} is not {[*fixed, *ROLES]}")
    rows, seen = [], set()
    for cells in body:
        if len(cells) != len(header):
            raise ValueError(f"row {cells} has {len(cells)} cells, the header {len(header)}")
        unknown = [cell for cell in cells[len(fixed) :] if cell not in OUTCOMES]
        if unknown:
            raise ValueError(f"row {cells[: len(fixed)]}: unknown outcomes {unknown}")
        row = Row(
            pattern=cells[0],
            reference=cells[1],
            method=method or cells[2].upper(),
            expected=dict(zip(ROLES, cells[len(fixed) :], strict=True)),
        )
        if (row.pattern, row.reference, row.method) in seen:
            raise ValueError(f"row {row.label} is listed twice")
        seen.add((row.pattern, row.reference, row.method))
        rows.append(row)
    return rows


def cells(rows: list[Row]) -> list[Cell]:
    return [Cell(row, role) for row in rows for role in ROLES]


def login_paths() -> set[str]:
    return {reverse("account_login"), reverse("admin:login")}


def outcome(response) -> str:
    """The response as a table's cell says it."""
    if response.status_code == 302 and urlparse(response["Location"]).path in login_paths():
        return "login"
    return str(response.status_code)


def parse_readers(text: str) -> dict[str, frozenset[str]]:
    """LEAKS: one line per private object of the world, then the roles that may read it.
    The header line is `object readers`; `nobody` stands for no role."""
    lines = [
        line.split()
        for line in text.strip().splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    header, *body = lines
    if header != ["object", "readers"]:
        raise ValueError(f"table header {header} is not ['object', 'readers']")
    readers = {}
    for name, *roles in body:
        unknown = set(roles) - set(ROLES) - {"nobody"}
        if unknown:
            raise ValueError(f"{name}: unknown roles {sorted(unknown)}")
        readers[name] = frozenset(roles) - {"nobody"}
    return readers
