"""PostgreSQL: the search vector as a stored generated column with the GIN index on it.

The expression index (0002) made every phrase match re-parse the row's token text to re-check word
positions, about 1.7 ms a match: 25 s at p95 with 200,000 items (docs/benchmarks.md). A stored column
is parsed once, when the row is written. Django does not know the column; it is generated, so inserts
and updates never name it, and only search.py reads it. SQLite keeps its FTS5 table.
"""

from django.db import migrations

FORWARD = [
    "DROP INDEX IF EXISTS openness_publication_fts",
    "ALTER TABLE openness_publication ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('simple'::regconfig, title_index), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, body_index), 'B')) STORED",
    "CREATE INDEX openness_publication_fts ON openness_publication USING gin (search_vector)",
]
BACKWARD = [
    "DROP INDEX IF EXISTS openness_publication_fts",
    "ALTER TABLE openness_publication DROP COLUMN IF EXISTS search_vector",
    "CREATE INDEX openness_publication_fts ON openness_publication USING gin (("
    "setweight(to_tsvector('simple', title_index), 'A') || setweight(to_tsvector('simple', body_index), 'B')))",
]


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        for sql in FORWARD:
            schema_editor.execute(sql)


def backwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        for sql in BACKWARD:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("openness", "0007_publication_minutes")]
    operations = [migrations.RunPython(forwards, backwards)]
