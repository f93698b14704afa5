"""Writing many rows' own values in one statement."""

from django.db import connection


def bulk_set(model, objs, fields: list[str]) -> None:
    """Saves `fields` of every object in `objs` with one UPDATE. On PostgreSQL the values
    go as one array per column (UPDATE … FROM unnest), which stays cheap for thousands of
    rows; bulk_update's CASE WHEN per row costs far more to build. Elsewhere, bulk_update.
    The objects' pk and fields must be set; nothing else is written (no auto_now)."""
    objs = list(objs)
    if not objs:
        return
    if connection.vendor != "postgresql":
        model._default_manager.bulk_update(objs, fields)
        return
    meta = model._meta
    quote = connection.ops.quote_name
    pk = meta.pk
    columns = [meta.get_field(name) for name in fields]
    arrays = [f"%s::{pk.db_type(connection)}[]"] + [
        f"%s::{field.db_type(connection)}[]" for field in columns
    ]
    aliases = ["k"] + [f"v{n}" for n in range(len(columns))]
    assignments = ", ".join(
        f"{quote(field.column)} = t.{alias}"
        for field, alias in zip(columns, aliases[1:], strict=True)
    )
    sql = (
        f"UPDATE {quote(meta.db_table)} SET {assignments} "  # noqa: S608 — names from the model
        f"FROM unnest({', '.join(arrays)}) AS t({', '.join(aliases)}) "
        f"WHERE {quote(meta.db_table)}.{quote(pk.column)} = t.k"
    )
    params = [[obj.pk for obj in objs]] + [
        [field.get_db_prep_save(getattr(obj, field.attname), connection) for obj in objs]
        for field in columns
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
