"""Search tokens: what a document stores and what a query asks for."""

import pytest
from django.db import connection
from hypothesis import given, settings
from hypothesis import strategies as st

from apps.capabilities.models import Capability
from apps.core.search import document_tokens, query_tokens
from apps.opportunities.models import Opportunity

JAPANESE = st.text(alphabet="積層造形熱防護衛星小型レーダあいう々ー", min_size=1, max_size=9)


def test_a_japanese_query_word_asks_for_the_bigrams_that_cover_it():
    assert query_tokens("衛星") == ["衛星"]
    assert query_tokens("熱防護") == ["熱防", "防護"]
    assert query_tokens("積層造形") == ["積層", "造形"]
    assert query_tokens("合成開口レーダ") == ["合成", "開口", "レー", "ーダ"]
    assert query_tokens("像") == ["像"]  # one character stays a unigram
    assert query_tokens("SAR 小型衛星") == ["sar", "小型", "衛星"]


def test_a_document_stores_every_bigram_and_character():
    assert document_tokens("積層造形").split() == ["積", "層", "造", "形", "積層", "層造", "造形"]


@settings(max_examples=60, deadline=None)
@given(word=JAPANESE, before=st.text(max_size=12), after=st.text(max_size=12))
def test_a_text_holding_a_word_holds_every_token_the_word_asks_for(word, before, after):
    stored = set(document_tokens(f"{before} {word} {after}").split())
    assert set(query_tokens(word)) <= stored


@pytest.mark.django_db
@pytest.mark.parametrize("model", [Opportunity, Capability])
def test_the_search_vector_stays_in_the_row_on_postgresql(model):
    """A keyword page tests the vector of every row it walks: kept out of line, each test
    also read the TOAST relation (opportunities.0011, capabilities.0009)."""
    if connection.vendor != "postgresql":
        pytest.skip("storage is PostgreSQL's")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attstorage FROM pg_attribute WHERE attrelid = %s::regclass AND attname = %s",
            [model._meta.db_table, "search_vector"],
        )
        assert cursor.fetchone() == ("m",)
