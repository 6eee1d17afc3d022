"""The event table's entity indexes are led by the event's month (docs/decisions/0006).

The old indexes go first, so that SQLite's rebuild of the table for the new column does not rebuild
them too; the month is filled in from each stored event's time before the new indexes are built.
"""

from django.db import migrations, models

# Months since January 1970 of occurred_at, in UTC (trustdesk.risk.history.month_of).
_FILL = {
    "sqlite": (
        "UPDATE risk_riskevent SET month = (CAST(strftime('%Y', occurred_at) AS INTEGER) - 1970) * 12"
        " + CAST(strftime('%m', occurred_at) AS INTEGER) - 1"
    ),
    "postgresql": (
        "UPDATE risk_riskevent SET month = (EXTRACT(YEAR FROM occurred_at AT TIME ZONE 'UTC')::int - 1970)"
        " * 12 + EXTRACT(MONTH FROM occurred_at AT TIME ZONE 'UTC')::int - 1"
    ),
}


def fill_months(apps, schema_editor):
    schema_editor.execute(_FILL[schema_editor.connection.vendor])


class Migration(migrations.Migration):

    dependencies = [
        ('risk', '0005_user_index_covers_type'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='riskevent',
            name='risk_riskev_device_650761_idx',
        ),
        migrations.RemoveIndex(
            model_name='riskevent',
            name='risk_riskev_ip_7c70a6_idx',
        ),
        migrations.RemoveIndex(
            model_name='riskevent',
            name='risk_event_card_idx',
        ),
        migrations.RemoveIndex(
            model_name='riskevent',
            name='risk_event_address_idx',
        ),
        migrations.RemoveIndex(
            model_name='riskevent',
            name='risk_event_merchant_idx',
        ),
        migrations.RemoveIndex(
            model_name='riskevent',
            name='risk_event_order_idx',
        ),
        migrations.RemoveIndex(
            model_name='riskevent',
            name='risk_event_user_idx',
        ),
        migrations.AddField(
            model_name='riskevent',
            name='month',
            field=models.IntegerField(default=0),
        ),
        migrations.RunPython(fill_months, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name='riskevent',
            index=models.Index(fields=['month', 'user', 'occurred_at', 'type'], name='risk_event_user_idx'),
        ),
        migrations.AddIndex(
            model_name='riskevent',
            index=models.Index(fields=['month', 'device', 'occurred_at'], name='risk_event_device_idx'),
        ),
        migrations.AddIndex(
            model_name='riskevent',
            index=models.Index(fields=['month', 'ip', 'occurred_at'], name='risk_event_ip_idx'),
        ),
        migrations.AddIndex(
            model_name='riskevent',
            index=models.Index(condition=models.Q(('payment_fingerprint', ''), _negated=True), fields=['month', 'payment_fingerprint', 'occurred_at'], name='risk_event_card_idx'),
        ),
        migrations.AddIndex(
            model_name='riskevent',
            index=models.Index(condition=models.Q(('address', ''), _negated=True), fields=['month', 'address', 'occurred_at'], name='risk_event_address_idx'),
        ),
        migrations.AddIndex(
            model_name='riskevent',
            index=models.Index(condition=models.Q(('merchant', ''), _negated=True), fields=['month', 'merchant', 'occurred_at'], name='risk_event_merchant_idx'),
        ),
        migrations.AddIndex(
            model_name='riskevent',
            index=models.Index(condition=models.Q(('order', ''), _negated=True), fields=['month', 'order'], name='risk_event_order_idx'),
        ),
    ]
