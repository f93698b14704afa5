"""Shared by the apps' `scale.py` modules, which `seed_scale` runs: a seeded plan, bulk
writes in batches with progress, and the search columns of many rows in one statement.

Generated rows carry the seed in a key of their own (an e-mail domain, a reference
number), so a second run with the same seed finds them and creates only what is missing;
a run with another seed adds a second, independent population."""

import random
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import connection, transaction

from apps.core.search import (
    area_tokens,
    document_tokens,
    has_area_vector,
    normalize_for_search,
    uses_full_text,
)

BATCH = 5_000


@dataclass
class Plan:
    seed: int
    opportunities: int
    firms: int
    capabilities: int
    stdout: object = sys.stdout
    rng: random.Random = field(init=False)
    started: float = field(default_factory=time.monotonic)

    def __post_init__(self):
        self.rng = random.Random(self.seed)  # noqa: S311 — test data, not secrets

    def key(self, kind: str) -> str:
        return f"s{self.seed}-{kind}"

    def say(self, message: str) -> None:
        self.stdout.write(f"[{time.monotonic() - self.started:7.1f} s] {message}\n")
        if hasattr(self.stdout, "flush"):
            self.stdout.flush()


def skewed_choice(rng: random.Random, items: list, *, exponent: float = 1.1):
    """Zipf-like: the first items are chosen far more often, as real interest clusters on
    a few technology areas."""
    weights = [1 / (rank**exponent) for rank in range(1, len(items) + 1)]
    return rng.choices(items, weights=weights, k=1)[0]


def in_batches(
    plan: Plan, label: str, total: int, make: Callable[[int, int], Iterable], write: Callable
) -> int:
    """Calls make(start, stop) for each batch of indexes and write(rows) in a transaction,
    printing progress. Returns how many rows were written."""
    written = 0
    for start in range(0, total, BATCH):
        stop = min(start + BATCH, total)
        rows = list(make(start, stop))
        with transaction.atomic():
            write(rows)
        written += len(rows)
        plan.say(f"{label}: {stop:,}/{total:,}")
    return written


def set_search_columns(model, rows: list[tuple[int, list[str]]], areas=None) -> None:
    """The search columns of many rows at once: [(pk, [texts…]), …], with each row's
    area ids from `areas` ({pk: ids}) in its vector. On PostgreSQL one UPDATE … FROM
    unnest per call; elsewhere one UPDATE per row."""
    if not rows:
        return
    texts = ["\n".join(normalize_for_search(t) for t in parts if t) for _pk, parts in rows]
    if not uses_full_text():
        for (pk, _parts), text in zip(rows, texts, strict=True):
            model.objects.filter(pk=pk).update(search_text=text)
        return
    areas = areas or {}
    tokens = [
        " ".join([document_tokens(*parts), *area_tokens(areas.get(pk, ()))]).strip()
        for pk, parts in rows
    ]
    area_lexemes = [" ".join(area_tokens(areas.get(pk, ()))) for pk, _parts in rows]
    table = connection.ops.quote_name(model._meta.db_table)
    also = ""
    if has_area_vector(model):
        also = ", area_vector = array_to_tsvector(string_to_array(v.area, ' ')) "
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS t SET search_text = v.txt, "  # noqa: S608 — the model's table
            f"search_vector = array_to_tsvector(string_to_array(v.tok, ' ')){also} "
            "FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::text[]) "
            "AS v(id, txt, tok, area) WHERE t.id = v.id",
            [[pk for pk, _parts in rows], texts, tokens, area_lexemes],
        )


# Bilingual building blocks for titles and summaries: the same index in both languages.
ADJECTIVES = [
    ("Low-cost", "低コスト"),
    ("Rapid", "迅速な"),
    ("Autonomous", "自律型"),
    ("Resilient", "耐障害性の高い"),
    ("Compact", "小型"),
    ("Radiation-tolerant", "耐放射線"),
    ("Secure", "セキュアな"),
    ("Reusable", "再使用型"),
    ("High-altitude", "高高度"),
    ("Expeditionary", "前線展開型"),
]
NOUNS = [
    ("SAR payload", "SARペイロード", "sar radar satellite"),
    ("thermal protection tile", "熱防護タイル", "hypersonic thermal ceramics"),
    ("GaN power amplifier", "GaN電力増幅器", "gan microelectronics rf"),
    ("swarm controller", "スウォーム制御装置", "swarm uas autonomy"),
    ("metal additive repair cell", "金属積層造形補修セル", "additive metal repair"),
    ("edge AI inference module", "エッジAI推論モジュール", "ai edge inference"),
    ("quantum-safe VPN gateway", "耐量子VPNゲートウェイ", "cryptography network"),
    ("optical inter-satellite link", "衛星間光通信リンク", "optical laser satellite"),
    ("5G private network kit", "ローカル5Gネットワーク機材", "5g network private"),
    ("solid-state battery pack", "全固体電池パック", "battery energy storage"),
    ("hyperspectral imager", "ハイパースペクトルカメラ", "imaging sensor spectral"),
    ("trusted FPGA supply", "信頼できるFPGA供給", "fpga trusted supply-chain"),
]
PURPOSES = [
    ("for maritime domain awareness", "海洋状況把握向け"),
    ("for contested logistics", "争奪環境下の兵站向け"),
    ("for space situational awareness", "宇宙状況把握向け"),
    ("for disaster response", "災害対応向け"),
    ("for forward operating bases", "前方拠点向け"),
    ("for missile defense testing", "ミサイル防衛試験向け"),
]


def bilingual_text(rng: random.Random) -> tuple[str, str, str, str, str]:
    """(title_en, title_ja, summary_en, summary_ja, keywords)."""
    adjective = rng.choice(ADJECTIVES)
    noun = rng.choice(NOUNS)
    purpose = rng.choice(PURPOSES)
    title_en = f"{adjective[0]} {noun[0]} {purpose[0]}"
    title_ja = f"{purpose[1]}{adjective[1]}{noun[1]}"
    summary_en = (
        f"{adjective[0]} {noun[0]} {purpose[0]}, with test data and a path to production "
        f"in {rng.randint(6, 36)} months."
    )
    months = rng.randint(6, 36)
    summary_ja = (
        f"{purpose[1]}の{adjective[1]}{noun[1]}。試験データと{months}か月での量産化計画を含む。"
    )
    return title_en, title_ja, summary_en, summary_ja, noun[2]
