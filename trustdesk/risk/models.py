"""Risk data: events and their decisions, feature counters, rules, lists, cases, models, alerts, credit."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from trustdesk.core.statemachine import StateEvent
from trustdesk.risk.history import month_of


class Decision(models.TextChoices):
    ALLOW = "allow", _("Allow")
    REVIEW = "review", _("Review")
    BLOCK = "block", _("Block")


class Label(models.TextChoices):
    NONE = "", _("Unlabelled")
    FRAUD = "fraud", _("Fraud")
    LEGIT = "legit", _("Legitimate")


# The entities an event can name: columns of the event table, and fields of risk.events.Event alike.
ENTITY_COLUMNS = (
    "user",
    "device",
    "ip",
    "payment_fingerprint",
    "address",
    "email",
    "merchant",
    "order",
    "listing",
)


def present(column: str) -> models.Q:
    """`column` names something: the condition of the event table's partial indexes."""
    return ~models.Q(**{column: ""})


def naming(column: str, value: str, months: list[int]) -> models.Q:
    """Events of `months` naming `value` as `column`, in the form that can use the entity's index
    (led by the month, partial for most entities)."""
    return models.Q(month__in=months, **{column: value}) & present(column)


class RiskEvent(models.Model):
    """One event the marketplace sent, the features it saw and the decision it got (point in time)."""

    # Unique through a constraint rather than `unique=True`, which on PostgreSQL also builds a second
    # index for LIKE queries: one more index written by every event, for the simulator's prefix
    # lookups alone (which may as well scan).
    event_id = models.CharField(max_length=64)
    type = models.CharField(max_length=32)
    occurred_at = models.DateTimeField(db_index=True)
    received_at = models.DateTimeField(default=timezone.now)
    user = models.CharField(max_length=64, blank=True)
    device = models.CharField(max_length=64, blank=True)
    ip = models.CharField(max_length=64, blank=True)
    payment_fingerprint = models.CharField(max_length=64, blank=True)
    # Addresses and emails are kept only as keyed blind indexes (trustdesk.core.pii).
    address = models.CharField(max_length=64, blank=True)
    email = models.CharField(max_length=64, blank=True)
    merchant = models.CharField(max_length=64, blank=True)
    order = models.CharField(max_length=64, blank=True)
    listing = models.CharField(max_length=64, blank=True)
    amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    attrs = models.JSONField(default=dict, blank=True)
    features = models.JSONField(default=dict, blank=True)
    decision = models.CharField(max_length=8, choices=Decision.choices)
    score = models.FloatField(default=0.0)
    reasons = models.JSONField(default=list, blank=True)
    rule_hits = models.JSONField(default=list, blank=True)
    shadow_hits = models.JSONField(default=list, blank=True)
    model_version = models.IntegerField(null=True, blank=True)
    label = models.CharField(max_length=8, choices=Label.choices, blank=True, default="")
    label_source = models.CharField(max_length=16, blank=True)
    # Months since January 1970 (UTC) of occurred_at: leads the entity indexes (trustdesk.risk.history).
    month = models.IntegerField(default=0)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        permissions = [
            ("view_risk", _("Can see risk decisions, cases, rules, lists and alerts")),
            ("manage_rules", _("Can write, backtest, shadow and activate risk rules")),
            ("manage_lists", _("Can add and remove block/allow list entries")),
            ("decide_cases", _("Can assign and decide risk review cases")),
        ]
        indexes = [
            # Each entity index is led by the event's month, so a new event's entries land in the
            # current month's part of each index however much history is stored (decision 0006);
            # reads by entity name their months (trustdesk.risk.history).
            # With the type, a shopper's credit tally reads only this index, not each event's row.
            models.Index(fields=["month", "user", "occurred_at", "type"], name="risk_event_user_idx"),
            models.Index(fields=["month", "device", "occurred_at"], name="risk_event_device_idx"),
            models.Index(fields=["month", "ip", "occurred_at"], name="risk_event_ip_idx"),
            # Most events name no card, address, merchant or order (logins, payments, messages): these
            # indexes hold only the events that do, so an event writes fewer index pages. A query
            # reaches them only when it says the value is not empty (`present()`), since SQLite
            # does not infer that from `column = value`.
            models.Index(
                fields=["month", "payment_fingerprint", "occurred_at"],
                name="risk_event_card_idx",
                condition=present("payment_fingerprint"),
            ),
            models.Index(
                fields=["month", "address", "occurred_at"],
                name="risk_event_address_idx",
                condition=present("address"),
            ),
            models.Index(
                fields=["month", "merchant", "occurred_at"],
                name="risk_event_merchant_idx",
                condition=present("merchant"),
            ),
            models.Index(fields=["month", "order"], name="risk_event_order_idx", condition=present("order")),
            models.Index(fields=["type", "occurred_at"]),
        ]
        constraints = [models.UniqueConstraint(fields=["event_id"], name="risk_event_id_unique")]

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.month = month_of(self.occurred_at)
        super().save(*args, **kwargs)


class FeatureCounter(models.Model):
    """Count and sum of one feature key in one time bucket (the database feature backend)."""

    key = models.CharField(max_length=32)
    bucket = models.BigIntegerField(db_index=True)
    count = models.BigIntegerField(default=0)
    total = models.FloatField(default=0.0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key", "bucket"], name="risk_counter_key_bucket")]

    def __str__(self) -> str:
        return f"{self.key}@{self.bucket}"


class FeatureDistinct(models.Model):
    """One distinct member seen for a feature key in a time bucket."""

    key = models.CharField(max_length=32)
    bucket = models.BigIntegerField(db_index=True)
    member = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["key", "bucket", "member"], name="risk_distinct_key_bucket_member"
            )
        ]

    def __str__(self) -> str:
        return f"{self.key}@{self.bucket}:{self.member}"


class Rule(models.Model):
    name = models.CharField(max_length=80, unique=True)
    description = models.TextField(blank=True)
    created_by = models.CharField(max_length=150)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class RuleStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SHADOW = "shadow", _("Shadow")
    ACTIVE = "active", _("Active")
    RETIRED = "retired", _("Retired")


class RuleAction(models.TextChoices):
    BLOCK = "block", _("Block")
    REVIEW = "review", _("Review")
    ALLOW = "allow", _("Allow")


class RuleVersion(models.Model):
    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    condition = models.TextField()
    action = models.CharField(max_length=8, choices=RuleAction.choices)
    reason = models.CharField(max_length=200)
    status = models.CharField(max_length=8, choices=RuleStatus.choices, default=RuleStatus.DRAFT)
    created_by = models.CharField(max_length=150)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["rule__name", "-number"]
        constraints = [models.UniqueConstraint(fields=["rule", "number"], name="risk_rule_version_number")]

    def __str__(self) -> str:
        return f"{self.rule.name} v{self.number}"

    @property
    def key(self) -> str:
        return f"{self.rule.name}@v{self.number}"


class RuleVersionEvent(StateEvent):
    version = models.ForeignKey(RuleVersion, on_delete=models.CASCADE, related_name="events")


class RuleHitDaily(models.Model):
    version = models.ForeignKey(RuleVersion, on_delete=models.CASCADE, related_name="daily_hits")
    day = models.DateField()
    hits = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["-day"]
        constraints = [models.UniqueConstraint(fields=["version", "day"], name="risk_hits_version_day")]

    def __str__(self) -> str:
        return f"{self.version_id} {self.day}: {self.hits}"


class RiskState(models.Model):
    """A single row whose generation moves whenever rules, lists or models change, so that every
    process rebuilds its compiled rule set within a second."""

    generation = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"generation {self.generation}"


class ListKind(models.TextChoices):
    DEVICE = "device", _("Device")
    IP = "ip", _("IP address")
    CARD = "payment_fingerprint", _("Payment fingerprint")
    ADDRESS = "address", _("Shipping address")
    EMAIL = "email", _("Email")


class ListEntry(models.Model):
    kind = models.CharField(max_length=24, choices=ListKind.choices)
    value = models.CharField(max_length=64)
    shown = models.CharField(max_length=120, blank=True)
    action = models.CharField(max_length=8, choices=[("block", _("Block")), ("allow", _("Allow"))])
    reason = models.CharField(max_length=200)
    expires_at = models.DateTimeField(null=True, blank=True)
    created_by = models.CharField(max_length=150)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["kind", "value"])]
        constraints = [
            models.UniqueConstraint(fields=["kind", "value", "action"], name="risk_list_kind_value_action")
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.kind} {self.shown or self.value}"


class CaseStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ASSIGNED = "assigned", _("Assigned")
    DECIDED = "decided", _("Decided")


class ReviewCase(models.Model):
    event = models.OneToOneField(RiskEvent, on_delete=models.PROTECT, related_name="case")
    status = models.CharField(max_length=10, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome = models.CharField(max_length=8, choices=Label.choices, blank=True, default="")
    note = models.TextField(blank=True)
    opened_at = models.DateTimeField(default=timezone.now, db_index=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["opened_at", "id"]

    def __str__(self) -> str:
        return f"case {self.pk} ({self.status})"


class CaseEvent(StateEvent):
    case = models.ForeignKey(ReviewCase, on_delete=models.CASCADE, related_name="events")


class RiskModel(models.Model):
    """A trained gradient-boosting model, stored as plain trees (no pickles)."""

    version = models.PositiveIntegerField(unique=True)
    features = models.JSONField()
    trees = models.JSONField()
    metrics = models.JSONField(default=dict)
    active = models.BooleanField(default=False)
    trained_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"model v{self.version}"


class AlertKind(models.TextChoices):
    MERCHANT_SURGE = "merchant_surge", _("Merchant transaction surge")
    PRICE_CHANGE = "price_change", _("Abnormal listing price change")
    CARD_TESTING = "card_testing", _("Card testing")
    ACCOUNT_TAKEOVER = "account_takeover", _("Account takeover")
    REFUND_ABUSE = "refund_abuse", _("Refund abuse")
    COUNTERS_RECOUNTED = "counters_recounted", _("Velocity counters lost and recounted")


class Alert(models.Model):
    kind = models.CharField(max_length=20, choices=AlertKind.choices)
    subject = models.CharField(max_length=80)
    evidence = models.JSONField(default=dict)
    dedupe_key = models.CharField(max_length=160, unique=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    raised_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-raised_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.subject}"


class ShopperCredit(models.Model):
    """Credit of a shopper (by the marketplace's user id) from behaviour; see trustdesk.risk.credit."""

    user = models.CharField(max_length=64, unique=True)
    refunds = models.PositiveIntegerField(default=0)
    chargebacks = models.PositiveIntegerField(default=0)
    confirmed_fraud = models.PositiveIntegerField(default=0)
    # The orders that count toward the score, tallied up to where the score stops telling counts
    # apart (risk.credit._orders_that_count), not the shopper's lifetime total.
    orders = models.PositiveIntegerField(default=0)
    score = models.IntegerField(default=700)
    tier = models.CharField(max_length=16, default="good")
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.user}: {self.score} ({self.tier})"
