"""The event table's card, address, merchant and order indexes hold only the events that name one.

The order column's plain index is dropped in place: Django's own AlterField would rebuild the whole
event table on SQLite to remove an index.
"""

from django.db import migrations, models


def _order_indexes(schema_editor):
    """The names of the plain one-column indexes on risk_riskevent."order" (PostgreSQL adds a second,
    for LIKE, beside the first)."""
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, "risk_riskevent")
    return [
        name
        for name, info in found.items()
        if info["index"] and not info["unique"] and not info["primary_key"] and info["columns"] == ["order"]
    ]


def drop_order_index(apps, schema_editor):
    for name in _order_indexes(schema_editor):
        schema_editor.execute(f"DROP INDEX {schema_editor.quote_name(name)}")


def restore_order_index(apps, schema_editor):
    if not _order_indexes(schema_editor):
        schema_editor.execute('CREATE INDEX "risk_riskevent_order_plain" ON "risk_riskevent" ("order")')


class Migration(migrations.Migration):
    dependencies = [
        ("risk", "0002_shopper_credit_tier_length"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="riskevent", name="risk_riskev_payment_b78866_idx"),
        migrations.RemoveIndex(model_name="riskevent", name="risk_riskev_address_549b5a_idx"),
        migrations.RemoveIndex(model_name="riskevent", name="risk_riskev_merchan_6b4944_idx"),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="riskevent", name="order", field=models.CharField(blank=True, max_length=64)
                ),
            ],
            database_operations=[migrations.RunPython(drop_order_index, restore_order_index)],
        ),
        migrations.AddIndex(
            model_name="riskevent",
            index=models.Index(
                condition=models.Q(("payment_fingerprint", ""), _negated=True),
                fields=["payment_fingerprint", "occurred_at"],
                name="risk_event_card_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="riskevent",
            index=models.Index(
                condition=models.Q(("address", ""), _negated=True),
                fields=["address", "occurred_at"],
                name="risk_event_address_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="riskevent",
            index=models.Index(
                condition=models.Q(("merchant", ""), _negated=True),
                fields=["merchant", "occurred_at"],
                name="risk_event_merchant_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="riskevent",
            index=models.Index(
                condition=models.Q(("order", ""), _negated=True), fields=["order"], name="risk_event_order_idx"
            ),
        ),
    ]
