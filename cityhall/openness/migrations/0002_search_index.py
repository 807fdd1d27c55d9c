"""The full-text index: an FTS5 table kept by triggers on SQLite, a GIN expression index on PostgreSQL.

Both read the token columns (title_index, body_index) that search.index_text fills, so the two engines
match the same tokens. The PostgreSQL expression must stay identical to search.PG_VECTOR to be used.
"""

from django.db import migrations

SQLITE = [
    "CREATE VIRTUAL TABLE openness_fts USING fts5("
    "title_index, body_index, content='openness_publication', content_rowid='id', tokenize='unicode61')",
    "CREATE TRIGGER openness_fts_ai AFTER INSERT ON openness_publication BEGIN "
    "INSERT INTO openness_fts(rowid, title_index, body_index) VALUES (new.id, new.title_index, new.body_index); END",
    "CREATE TRIGGER openness_fts_ad AFTER DELETE ON openness_publication BEGIN "
    "INSERT INTO openness_fts(openness_fts, rowid, title_index, body_index) "
    "VALUES ('delete', old.id, old.title_index, old.body_index); END",
    "CREATE TRIGGER openness_fts_au AFTER UPDATE OF title_index, body_index ON openness_publication BEGIN "
    "INSERT INTO openness_fts(openness_fts, rowid, title_index, body_index) "
    "VALUES ('delete', old.id, old.title_index, old.body_index); "
    "INSERT INTO openness_fts(rowid, title_index, body_index) VALUES (new.id, new.title_index, new.body_index); END",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS openness_fts_au",
    "DROP TRIGGER IF EXISTS openness_fts_ad",
    "DROP TRIGGER IF EXISTS openness_fts_ai",
    "DROP TABLE IF EXISTS openness_fts",
]
POSTGRES = [
    "CREATE INDEX openness_publication_fts ON openness_publication USING gin (("
    "setweight(to_tsvector('simple', title_index), 'A') || setweight(to_tsvector('simple', body_index), 'B')))"
]
POSTGRES_DROP = ["DROP INDEX IF EXISTS openness_publication_fts"]


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    vendor = schema_editor.connection.vendor
    for sql in SQLITE if vendor == "sqlite" else POSTGRES if vendor == "postgresql" else []:
        schema_editor.execute(sql)


def backwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    vendor = schema_editor.connection.vendor
    for sql in SQLITE_DROP if vendor == "sqlite" else POSTGRES_DROP if vendor == "postgresql" else []:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("openness", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
