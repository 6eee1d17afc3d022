"""`trustdesk risk train | models | check-rule | recount`: the risk model, rules and Redis's counters from
the command line."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from trustdesk.core.actors import Actor
from trustdesk.core.errors import DomainError


class Command(BaseCommand):
    help = (
        "Train the risk model on labelled outcomes, list model versions, check a rule condition, or "
        "count the stored events into Redis's velocity counters again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        train = sub.add_parser("train", help="fit a new model version on labelled events and activate it")
        train.add_argument("--seed", type=int, default=7)
        sub.add_parser("models", help="list model versions and their held-out metrics")
        check = sub.add_parser("check-rule", help="check a CEL condition's syntax and types")
        check.add_argument("condition")
        sub.add_parser(
            "recount",
            help="count the last 7 days' stored events into Redis's velocity counters, each unless "
            "already counted (after Redis lost its data, or when starting to use Redis)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from trustdesk.risk import ml, ruleset
        from trustdesk.risk.models import RiskModel

        try:
            if options["action"] == "train":
                model = ml.train(actor=Actor.system("cli"), seed=options["seed"])
                m = model.metrics
                self.stdout.write(
                    f"model v{model.version}: ROC-AUC {m['roc_auc']}, PR-AUC {m['pr_auc']} "
                    f"on {m['test_rows']} held-out events ({m['train_rows']} for training)"
                )
            elif options["action"] == "models":
                for model in RiskModel.objects.all():
                    flag = "active" if model.active else ""
                    self.stdout.write(
                        f"v{model.version} {model.trained_at:%Y-%m-%d %H:%M} {model.metrics} {flag}"
                    )
            elif options["action"] == "check-rule":
                ruleset.check_condition(options["condition"])
                self.stdout.write("ok")
            else:
                self._recount()
        except DomainError as exc:
            raise CommandError(exc.message) from None

    def _recount(self) -> None:
        import redis

        from trustdesk.risk.recount import Recounted, recount

        shown = [0]

        def progress(so_far: Recounted) -> None:
            if so_far.read - shown[0] >= 100_000:
                shown[0] = so_far.read
                self.stderr.write(f"… {so_far.read:,} read, {so_far.counted:,} counted")

        try:
            done = recount(actor=Actor.system("cli"), progress=progress)
        except redis.RedisError as exc:
            raise CommandError(f"Redis did not answer: {exc}") from None
        self.stdout.write(
            f"{done.read:,} stored events since {done.since:%Y-%m-%d %H:%M %Z} read; {done.counted:,} "
            f"counted now, {done.read - done.counted:,} already counted"
        )
