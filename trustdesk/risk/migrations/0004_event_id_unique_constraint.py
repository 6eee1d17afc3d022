"""Event ids stay unique through a named constraint; PostgreSQL's extra LIKE index on them goes.

Changed in place: Django's AlterField would rebuild the whole event table on SQLite, whose unique
index is kept as it is (nothing but the name in Django's state differs there).
"""

from django.db import migrations, models


def _event_id_indexes(schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, "risk_riskevent")
    return {name: info for name, info in found.items() if info["columns"] == ["event_id"]}


def to_constraint(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    quote = schema_editor.quote_name
    for name, info in _event_id_indexes(schema_editor).items():
        if info["unique"] and name != "risk_event_id_unique":
            schema_editor.execute(
                f"ALTER TABLE risk_riskevent RENAME CONSTRAINT {quote(name)} TO risk_event_id_unique"
            )
        elif info["index"] and not info["unique"]:
            schema_editor.execute(f"DROP INDEX {quote(name)}")


def to_unique_field(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    if "risk_event_id_unique" in _event_id_indexes(schema_editor):
        schema_editor.execute(
            "ALTER TABLE risk_riskevent RENAME CONSTRAINT risk_event_id_unique TO risk_riskevent_event_id_key"
        )
    schema_editor.execute(
        "CREATE INDEX risk_riskevent_event_id_like ON risk_riskevent (event_id varchar_pattern_ops)"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("risk", "0003_partial_entity_indexes"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(model_name="riskevent", name="event_id", field=models.CharField(max_length=64)),
                migrations.AddConstraint(
                    model_name="riskevent",
                    constraint=models.UniqueConstraint(fields=("event_id",), name="risk_event_id_unique"),
                ),
            ],
            database_operations=[migrations.RunPython(to_constraint, to_unique_field)],
        ),
    ]
