"""`trustdesk aftersales_loadfixture`: bulk-insert open cases, some overdue, for load and crash tests."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from trustdesk.aftersales import loadfixture
from trustdesk.aftersales.models import CaseKind, CaseStatus, DeadlineKind


class Command(BaseCommand):
    help = "Insert many open after-sales cases directly (for benchmarks and crash tests, never production)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--open", type=int, required=True, help="open cases to create")
        parser.add_argument("--due", type=int, required=True, help="how many of them are overdue")
        parser.add_argument("--kind", default=CaseKind.RETURN_REFUND, choices=CaseKind.values)
        parser.add_argument("--status", default=CaseStatus.AWAITING_MERCHANT, choices=CaseStatus.values)
        parser.add_argument("--deadline", default=DeadlineKind.MERCHANT_RESPONSE, choices=DeadlineKind.values)
        parser.add_argument("--distinct-items", action="store_true", help="one order item per case")
        parser.add_argument("--tag", default="bench")

    def handle(self, *args: Any, **options: Any) -> None:
        seeded = loadfixture.seed(
            open_cases=options["open"],
            due=options["due"],
            kind=options["kind"],
            status=options["status"],
            deadline_kind=options["deadline"],
            distinct_items=options["distinct_items"],
            tag=options["tag"],
        )
        self.stdout.write(
            f"seeded {seeded.cases} open cases, {seeded.due} due, from case {seeded.first_case_id}"
        )
