"""`trustdesk pii newkey|rotate`: manage the keys that encrypt personal data at rest.

Rotation works on the stored ciphertexts with plain SQL, batch by batch, so values are never written
back through the model layer (which would encrypt an already-encrypted token a second time).
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandParser
from django.db import connection, transaction

from trustdesk.audit import services as audit
from trustdesk.core import pii
from trustdesk.core.actors import Actor
from trustdesk.core.fields import EncryptedField

BATCH = 500


class Command(BaseCommand):
    help = "Generate a personal-data key, or re-encrypt stored values under the newest key."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("newkey", help="print a fresh key to prepend to TRUSTDESK_PII_KEYS")
        sub.add_parser("rotate", help="re-encrypt every stored value with the first key")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "newkey":
            self.stdout.write(pii.new_key())
            return
        total = 0
        for model in apps.get_models():
            columns = [f.column for f in model._meta.fields if isinstance(f, EncryptedField)]
            if columns:
                total += rotate_table(model._meta.db_table, model._meta.pk.column, columns)
        audit.record(Actor.system("cli"), "pii.keys_rotated", details={"values": total})
        self.stdout.write(f"re-encrypted {total} values under the newest key")


def rotate_table(table: str, pk: str, columns: list[str]) -> int:
    q = connection.ops.quote_name
    select = (
        f"SELECT {q(pk)}, {', '.join(q(c) for c in columns)} FROM {q(table)} "  # noqa: S608
        f"WHERE {q(pk)} > %s ORDER BY {q(pk)} LIMIT {BATCH}"
    )
    count, last = 0, 0
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(select, [last])
            rows = cursor.fetchall()
            if not rows:
                return count
            for row_pk, *values in rows:
                for column, value in zip(columns, values, strict=True):
                    if value:
                        cursor.execute(
                            f"UPDATE {q(table)} SET {q(column)} = %s WHERE {q(pk)} = %s",  # noqa: S608
                            [pii.rotate(value), row_pk],
                        )
                        count += 1
            last = rows[-1][0]
