"""A PostgreSQL database backend (see base.py)."""


def use_for(databases: dict) -> None:
    """Puts this backend in place of Django's PostgreSQL backend in a DATABASES setting."""
    for database in databases.values():
        if database.get("ENGINE") == "django.db.backends.postgresql":
            database["ENGINE"] = "portal.postgresql"
