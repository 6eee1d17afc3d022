"""The user index carries the event type, so a shopper's credit tally reads only the index.

The new index is built before the old one goes, so lookups by user always have one.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("risk", "0004_event_id_unique_constraint"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="riskevent",
            index=models.Index(fields=["user", "occurred_at", "type"], name="risk_event_user_idx"),
        ),
        migrations.RemoveIndex(model_name="riskevent", name="risk_riskev_user_62ada4_idx"),
    ]
