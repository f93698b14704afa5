"""Reference data that every filter form reads and that changes only by an
administrator's hand (the area tree, the verified agencies), kept per process.

Each process keeps the value it last built together with the version it was built for.
The current version is a row of the content generations (apps.core.pagecache), set to a
new random number in the same transaction as any change to the data (the owners' signal
receivers call `forget`): a process looking after the change commits rebuilds, one
looking before it keeps the old value, and a version set by a transaction that rolled
back is never seen again. The versions come with the content generations, which a list
page reads anyway: a look costs no round trip of its own, and one query at most in a
request that reads no generation. Callers must not change what they get.
"""

from collections.abc import Callable

from django.utils.choices import BaseChoiceIterator
from django.utils.translation import get_language

from apps.core.pagecache import generations, has_generations_table, renew_generation
from portal.db_router import reads_from_primary


class VersionedMemo:
    def __init__(self, key: str):
        self.key = key  # the name of its row of content generations
        self._version = None
        self._value = None

    def forget(self) -> None:
        """Call inside the transaction that changes the data."""
        renew_generation(self.key)

    def forget_after_migrate(self, using: str = "default") -> None:
        """For post_migrate receivers: data migrations write through historical models,
        which send no signals (once the table of generations exists)."""
        if has_generations_table(using):
            self.forget()

    def get(self, build: Callable[[], object]):
        version = generations().get(self.key, 0)
        if version != self._version:
            with reads_from_primary():  # a lagging replica would be kept until the next edit
                self._value = build()
            self._version = version
        return self._value


class PerLanguage:
    """What is made from a memo's value for each language (e.g. a filter's choices with
    their names in it), kept for as long as that value is the same object: the same list
    for every request until the data change, which FastSelect's kept options rely on.
    Callers must not change what they get."""

    def __init__(self):
        self._kept: dict[str, tuple[object, object]] = {}

    def get(self, source, build: Callable[[object], object]):
        language = get_language() or ""
        kept = self._kept.get(language)
        if kept is None or kept[0] is not source:
            kept = self._kept[language] = (source, build(source))
        return kept[1]


class NormalChoices(BaseChoiceIterator):
    """Choices already in Django's normal form, (value, label) pairs of strings, as kept
    reference data gives them: Django takes a choice iterator as it is, where it would
    normalize a plain list again, pair by pair, at every look (each validation, each
    rendering of the field)."""

    def __init__(self, pairs):
        self.pairs = list(pairs)

    def __iter__(self):
        return iter(self.pairs)

    def __len__(self):
        return len(self.pairs)
