"""Bilingual search (DESIGN.md, "Search").

PostgreSQL's text-search parsers do not split Japanese into words, and trigram indexes
miss short Japanese words. So a document is turned into tokens ourselves: lower-cased
words for Latin text and, for runs of Japanese (kanji, kana) characters, every character
bigram plus every single character (so a one-character query still matches). The tokens
are stored in a `tsvector` with the 'simple' configuration (no stemming, no stop words)
under a GIN index, and a query is turned into tokens the same way and AND-ed. On SQLite
the fallback is an `icontains` match on the normalised text.
"""

import re
import unicodedata

from django.db import connection

_CJK = (
    r"\u3040-\u309f"  # hiragana
    r"\u30a0-\u30ff"  # katakana
    r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # kanji
    r"\u3005\u30fc"  # 々 and the long-vowel mark
)
_RUNS = re.compile(rf"([{_CJK}]+)|([^\W_]+)", re.UNICODE)
# Each token is one more condition of the query; past a sentence's worth, more of them
# only make it slower (a pasted page would be thousands).
MAX_QUERY_TOKENS = 32


def normalize_for_search(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").lower().strip()


def tokenize(text: str, *, unigrams: bool = True) -> list[str]:
    """Tokens of a text: Latin words, and bigrams (plus unigrams) of Japanese runs.

    Without `unigrams` (a query), a Japanese run gives only the bigrams that cover it,
    every second one and the last (積層造形: 積層, 造形): every text holding the word holds
    them, and the bigrams in between add no condition a vector without positions could
    check, only a wrong guess for the planner, which takes them as independent (積層造形's
    three bigrams made it expect one row in 135 where one in 5 matched, and sort every
    match instead of walking the list's order)."""
    tokens: list[str] = []
    for cjk, word in _RUNS.findall(normalize_for_search(text)):
        if word:
            tokens.append(word)
            continue
        if len(cjk) == 1 or unigrams:
            tokens.extend(cjk)
        if unigrams:
            starts = range(len(cjk) - 1)
        else:
            starts = [*range(0, len(cjk) - 1, 2)]
            if len(cjk) > 2 and len(cjk) % 2:
                starts.append(len(cjk) - 2)
        tokens.extend(cjk[i : i + 2] for i in starts)
    return tokens


def document_tokens(*texts: str) -> str:
    """The string stored for indexing: unique tokens, space-separated."""
    seen: dict[str, None] = {}
    for text in texts:
        for token in tokenize(text):
            seen.setdefault(token, None)
    return " ".join(seen)


def query_tokens(query: str) -> list[str]:
    """Tokens a query must all match. A Japanese word of two or more characters becomes
    the bigrams covering it (a one-character word stays a unigram)."""
    seen: dict[str, None] = {}
    for token in tokenize(query, unigrams=False):
        seen.setdefault(token, None)
    return list(seen)


def uses_full_text() -> bool:
    return connection.vendor == "postgresql"


def raw_tsquery(tokens: list[str]) -> str:
    """A tsquery literal AND-ing the tokens, each quoted as a lexeme (cast with ::tsquery,
    so PostgreSQL's parser, which does not know Japanese, never touches them)."""
    return " & ".join("'" + token.replace("\\", "").replace("'", "''") + "'" for token in tokens)


def filter_by_search(queryset, query: str):
    """Filters a queryset of a model with `search_text` (normalised text) and
    `search_vector` (tsvector, PostgreSQL only) columns to the rows holding every token.

    There is no relevance to order by: the vectors hold tokens without positions or
    weights, so every row that holds all of a query's tokens ranks the same (`ts_rank`
    gives them one value), and ordering by that rank only made the database rank every
    match before the list's own order could take the first page from an index."""
    from django.db.models import BooleanField
    from django.db.models.expressions import RawSQL

    tokens = query_tokens(query)[:MAX_QUERY_TOKENS]
    if not tokens:
        return queryset
    if uses_full_text():
        column = f'"{queryset.model._meta.db_table}"."search_vector"'
        literal = raw_tsquery(tokens)
        # The column names our own table; the query goes in as a parameter.
        return queryset.filter(
            RawSQL(f"{column} @@ %s::tsquery", [literal], output_field=BooleanField())  # noqa: S611
        )
    for word in normalize_for_search(query).split()[:MAX_QUERY_TOKENS]:
        queryset = queryset.filter(search_text__contains=word)
    return queryset


def area_tokens(area_ids) -> list[str]:
    """Lexemes for a row's technology areas ("area:12"), stored in its search vector so
    that the area filter and the keywords meet in one GIN index: the database intersects
    them there instead of visiting every row that matches a common keyword. No text token
    contains a colon, so these never match a word."""
    return [f"area:{int(area_id)}" for area_id in area_ids]


def has_area_vector(model) -> bool:
    """Whether the model keeps its areas' lexemes in an `area_vector` column of their own
    too (the opportunities do, for their list's order index)."""
    return any(field.name == "area_vector" for field in model._meta.concrete_fields)


def filter_by_areas(queryset, area_ids, *, own_column: bool = False):
    """On PostgreSQL, rows whose search vector holds one of these areas' lexemes (kept by
    `update_search_columns` and the areas' change receivers); None elsewhere, where the
    caller filters through the many-to-many table.

    `own_column`: match them in the model's `area_vector` instead (when it has one), for
    a page read in the order of an index that carries that column (the open
    opportunities by deadline): the rows then come from the index alone. Not with
    keywords, which meet the areas in the search vector's GIN index."""
    from django.db.models import BooleanField
    from django.db.models.expressions import RawSQL

    if not uses_full_text():
        return None
    tokens = area_tokens(sorted(area_ids)) or ["area:none"]
    name = "area_vector" if own_column and has_area_vector(queryset.model) else "search_vector"
    column = f'"{queryset.model._meta.db_table}"."{name}"'
    # The column names our own table; the lexemes go in as a parameter.
    return queryset.filter(
        RawSQL(  # noqa: S611
            f"{column} @@ %s::tsquery", [" | ".join(f"'{t}'" for t in tokens)],
            output_field=BooleanField(),
        )
    )  # fmt: skip


def update_search_columns(model, pk, *texts: str, area_ids=()) -> None:
    """Stores the normalised text and, on PostgreSQL, the token vector of one row (its
    words, and its areas' lexemes)."""
    normalized = "\n".join(normalize_for_search(t) for t in texts if t)
    updates = {"search_text": normalized}
    if uses_full_text():
        from django.db.models.expressions import RawSQL

        areas = area_tokens(area_ids)
        tokens = document_tokens(*texts).split() + areas
        updates["search_vector"] = RawSQL("array_to_tsvector(%s::text[])", [tokens])
        if has_area_vector(model):
            updates["area_vector"] = RawSQL("array_to_tsvector(%s::text[])", [areas])
    model.objects.filter(pk=pk).update(**updates)
