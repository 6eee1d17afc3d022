"""`trustdesk risk train | models | check-rule`: the risk model and rules from the command line."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from trustdesk.core.actors import Actor
from trustdesk.core.errors import DomainError


class Command(BaseCommand):
    help = "Train the risk model on labelled outcomes, list model versions, or check a rule condition."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        train = sub.add_parser("train", help="fit a new model version on labelled events and activate it")
        train.add_argument("--seed", type=int, default=7)
        sub.add_parser("models", help="list model versions and their held-out metrics")
        check = sub.add_parser("check-rule", help="check a CEL condition's syntax and types")
        check.add_argument("condition")

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
            else:
                ruleset.check_condition(options["condition"])
                self.stdout.write("ok")
        except DomainError as exc:
            raise CommandError(exc.message) from None
