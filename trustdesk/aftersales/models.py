"""After-sales cases, their deadlines, evidence and messages, arbitration decisions, and refunds.

Money is recorded apart from the case: a `Refund` belongs to one order item and has its own status, so
partial refunds, appeals and platform advance compensation never blur into the case's state.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from trustdesk.core.money import amount_field, currency_field
from trustdesk.core.statemachine import StateEvent


class Policy(models.Model):
    """How long each party may take. Cases keep the policy they opened under; due_at is a snapshot.

    The policy named "default" governs every case no `PolicyScope` claims for another policy.
    """

    code = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=100)
    merchant_response_hours = models.PositiveIntegerField(_("merchant response (hours)"), default=48)
    shopper_reply_days = models.PositiveIntegerField(_("shopper reply to a question (days)"), default=7)
    shopper_ship_days = models.PositiveIntegerField(_("shopper ships the return (days)"), default=7)
    return_transit_days = models.PositiveIntegerField(_("return in transit (days)"), default=15)
    merchant_receipt_days = models.PositiveIntegerField(_("merchant confirms receipt (days)"), default=10)
    refund_days = models.PositiveIntegerField(_("refund paid after receipt (days)"), default=7)
    escalation_days = models.PositiveIntegerField(_("shopper may escalate (days)"), default=7)
    evidence_hours = models.PositiveIntegerField(_("evidence window (hours)"), default=72)
    appeal_days = models.PositiveIntegerField(_("appeal window (days)"), default=30)
    reopen_days = models.PositiveIntegerField(_("reopen window (days)"), default=15)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "policies"
        permissions = [("edit_policy", _("Can edit after-sales deadline policies"))]

    def __str__(self) -> str:
        return self.name


class PolicyScope(models.Model):
    """Claims the cases of a category, of a merchant, or of a merchant in one category for a policy.

    The most specific scope wins: merchant and category, then merchant, then category; a case no
    scope claims follows the default policy. Categories match exactly, as their return rules do.
    """

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="scopes")
    category = models.ForeignKey("listings.Category", null=True, blank=True, on_delete=models.CASCADE)
    merchant = models.ForeignKey("merchants.Merchant", null=True, blank=True, on_delete=models.CASCADE)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["policy__code", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(category__isnull=False) | Q(merchant__isnull=False),
                name="policyscope_names_a_target",
            ),
            # Each target belongs to one policy at most; NULLs would make a plain unique pair toothless.
            models.UniqueConstraint(
                fields=["category"], condition=Q(merchant__isnull=True), name="policyscope_one_per_category"
            ),
            models.UniqueConstraint(
                fields=["merchant"], condition=Q(category__isnull=True), name="policyscope_one_per_merchant"
            ),
            models.UniqueConstraint(fields=["merchant", "category"], name="policyscope_one_per_pair"),
        ]

    def __str__(self) -> str:
        return f"{self.policy_id}: merchant {self.merchant_id} category {self.category_id}"


class CaseKind(models.TextChoices):
    RETURN_REFUND = "return_refund", _("Return and refund")
    REFUND_ONLY = "refund_only", _("Refund only")
    EXCHANGE = "exchange", _("Exchange")
    REPAIR = "repair", _("Repair under warranty")
    COMPLAINT = "complaint", _("Complaint")


class Reason(models.TextChoices):
    NO_REASON = "no_reason", _("Changed my mind (seven-day no-reason return)")
    QUALITY = "quality", _("Quality problem")
    NOT_AS_DESCRIBED = "not_as_described", _("Not as described")
    DAMAGED = "damaged", _("Arrived damaged")
    WRONG_ITEM = "wrong_item", _("Wrong item")
    NOT_RECEIVED = "not_received", _("Not received")
    SERVICE = "service", _("Service problem")
    OTHER = "other", _("Other")


class CaseStatus(models.TextChoices):
    AWAITING_MERCHANT = "awaiting_merchant", _("Waiting for the merchant")
    AWAITING_SHOPPER = "awaiting_shopper", _("Waiting for the shopper's answer")
    AWAITING_RETURN = "awaiting_return", _("Waiting for the return shipment")
    RETURN_SHIPPED = "return_shipped", _("Return on its way")
    RETURN_DELIVERED = "return_delivered", _("Return delivered to the merchant")
    REFUNDING = "refunding", _("Refund in progress")
    REJECTED = "rejected", _("Refused by the merchant")
    ESCALATED = "escalated", _("With the platform")
    AWAITING_EVIDENCE = "awaiting_evidence", _("Collecting evidence")
    UNDER_REVIEW = "under_review", _("Under arbitration")
    DECIDED = "decided", _("Decided")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


FINISHED = (CaseStatus.RESOLVED, CaseStatus.CLOSED)


class Resolution(models.TextChoices):
    REFUNDED = "refunded", _("Refunded in full")
    PARTIALLY_REFUNDED = "partially_refunded", _("Partially refunded")
    EXCHANGED = "exchanged", _("Exchanged")
    REPAIRED = "repaired", _("Repaired")
    ANSWERED = "answered", _("Answered")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn by the shopper")
    LAPSED = "lapsed", _("Lapsed: the shopper did not act in time")


class Team(models.Model):
    """A customer-service team; its calendar decides how SLA minutes are counted."""

    code = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=100)
    kinds = models.JSONField(default=list, blank=True, help_text="case kinds routed to this team")
    round_the_clock = models.BooleanField(default=True)
    time_zone = models.CharField(max_length=64, default="Asia/Shanghai")
    workday_start = models.TimeField(default="09:00")
    workday_end = models.TimeField(default="18:00")
    workdays = models.JSONField(default=list, blank=True, help_text="ISO weekdays, 1 = Monday")
    holidays = models.JSONField(default=list, blank=True, help_text="ISO dates without service")
    first_response_minutes = models.PositiveIntegerField(default=60)
    next_response_minutes = models.PositiveIntegerField(default=240)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="aftersales_teams")

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Case(models.Model):
    kind = models.CharField(max_length=16, choices=CaseKind.choices)
    reason = models.CharField(max_length=20, choices=Reason.choices)
    status = models.CharField(max_length=20, choices=CaseStatus.choices, default=CaseStatus.AWAITING_MERCHANT)
    resolution = models.CharField(max_length=20, choices=Resolution.choices, blank=True)
    # A case lives and dies with its order, as the order's payments do; a merchant or shopper with cases
    # cannot be deleted.
    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE, related_name="aftersales_cases")
    order_item = models.ForeignKey("orders.OrderItem", on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField(default=1)
    shopper = models.ForeignKey("accounts.Shopper", on_delete=models.PROTECT, related_name="+")
    merchant = models.ForeignKey("merchants.Merchant", on_delete=models.PROTECT, related_name="+")
    category = models.ForeignKey("listings.Category", on_delete=models.PROTECT, related_name="+")
    description = models.TextField(blank=True)
    requested_amount = amount_field()
    currency = currency_field()
    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, related_name="+")
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="cases")
    assigned_agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    intent = models.CharField(max_length=32, blank=True)
    language = models.CharField(max_length=8, default="en")
    opened_at = models.DateTimeField(default=timezone.now)
    first_response_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    appeal_count = models.PositiveSmallIntegerField(default=0)
    reopen_count = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-opened_at", "-id"]
        indexes = [
            models.Index(fields=["merchant", "opened_at"]),
            models.Index(fields=["shopper", "opened_at"]),
            models.Index(fields=["status"]),
            models.Index(fields=["order_item"]),
        ]
        permissions = [
            ("open_request", _("Shopper: can open an after-sales request")),
            ("act_as_merchant", _("Merchant: can answer after-sales requests")),
            ("work_desk", _("Agent: can work the customer-service desk")),
            ("arbitrate", _("Arbitrator: can decide escalated cases")),
            ("view_quality", _("Can see service quality metrics")),
        ]

    def __str__(self) -> str:
        return f"AS-{self.pk}"

    @property
    def number(self) -> str:
        return f"AS-{self.pk}"

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED


class CaseEvent(StateEvent):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")


class Party(models.TextChoices):
    SHOPPER = "shopper", _("Shopper")
    MERCHANT = "merchant", _("Merchant")
    PLATFORM = "platform", _("Platform")
    AGENT = "agent", _("Customer service")
    ARBITRATOR = "arbitrator", _("Arbitrator")
    SYSTEM = "system", _("System")


class DeadlineKind(models.TextChoices):
    MERCHANT_RESPONSE = "merchant_response", _("Merchant responds")
    SHOPPER_REPLY = "shopper_reply", _("Shopper answers the merchant")
    SHOPPER_SHIP = "shopper_ship", _("Shopper ships the return")
    RETURN_TRANSIT = "return_transit", _("Return reaches the merchant")
    MERCHANT_RECEIPT = "merchant_receipt", _("Merchant confirms receipt")
    REFUND = "refund", _("Refund is paid")
    ESCALATION = "escalation", _("Shopper may escalate")
    EVIDENCE = "evidence", _("Both sides submit evidence")
    APPEAL = "appeal", _("Either side may appeal")
    FIRST_RESPONSE = "first_response", _("Customer service answers first")
    NEXT_RESPONSE = "next_response", _("Customer service answers again")


class DeadlineState(models.TextChoices):
    OPEN = "open", _("Running")
    PAUSED = "paused", _("Paused")
    ACHIEVED = "achieved", _("Met")
    BREACHED = "breached", _("Missed")
    CANCELLED = "cancelled", _("No longer needed")


class Deadline(models.Model):
    """One promised time: when it was due, and whether it was met or missed."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="deadlines")
    kind = models.CharField(max_length=20, choices=DeadlineKind.choices)
    party = models.CharField(max_length=12, choices=Party.choices)
    state = models.CharField(max_length=12, choices=DeadlineState.choices, default=DeadlineState.OPEN)
    refund = models.ForeignKey("Refund", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    started_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField()
    achieved_at = models.DateTimeField(null=True, blank=True)
    breached_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    remaining_seconds = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [
            # The sweeper's only question: which running deadlines are due? Closed ones stay out.
            models.Index(fields=["due_at"], name="aftersales_deadline_open_due", condition=Q(state="open")),
            models.Index(fields=["case", "state"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.state} due {self.due_at:%Y-%m-%d %H:%M}"


class Message(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="messages")
    party = models.CharField(max_length=12, choices=Party.choices)
    author_label = models.CharField(max_length=150)
    author_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField()
    internal = models.BooleanField(default=False, help_text="internal notes are never shown to either side")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.party} on {self.case_id}"


class Evidence(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="evidence")
    party = models.CharField(max_length=12, choices=Party.choices)
    file = models.FileField(upload_to="aftersales/%Y/%m/")
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    note = models.CharField(max_length=500, blank=True)
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name


class Statement(models.Model):
    """A side's written account for the arbitrator, submitted inside the evidence window."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="statements")
    party = models.CharField(max_length=12, choices=Party.choices)
    body = models.TextField()
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.party} statement on {self.case_id}"


class Outcome(models.TextChoices):
    FULL_REFUND = "full_refund", _("Full refund")
    PARTIAL_REFUND = "partial_refund", _("Partial refund")
    REJECT = "reject", _("Request rejected")


class Decision(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="decisions")
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    amount = amount_field(default=0)
    currency = currency_field()
    reason = models.TextField()
    on_appeal = models.BooleanField(default=False)
    decided_by = models.CharField(max_length=150)
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["decided_at", "id"]

    def __str__(self) -> str:
        return f"{self.outcome} on {self.case_id}"


class RefundStatus(models.TextChoices):
    PENDING = "pending", _("Owed")
    PAID = "paid", _("Paid")
    CANCELLED = "cancelled", _("Cancelled")


class Refund(models.Model):
    """Money owed back to the shopper for one order item; paid by the merchant or, failing that, us."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="refunds")
    order_item = models.ForeignKey("orders.OrderItem", on_delete=models.CASCADE, related_name="+")
    amount = amount_field()
    currency = currency_field()
    status = models.CharField(max_length=12, choices=RefundStatus.choices, default=RefundStatus.PENDING)
    payer = models.CharField(max_length=12, choices=Party.choices, blank=True)
    reason = models.CharField(max_length=200, blank=True)
    reference = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField()
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="aftersales_refund_positive")]
        indexes = [models.Index(fields=["order_item", "status"])]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency} {self.status}"


class RefundEvent(StateEvent):
    refund = models.ForeignKey(Refund, on_delete=models.CASCADE, related_name="events")


class DepositDeduction(models.Model):
    """Platform advance compensation (先行赔付) recovered from the merchant's deposit — once per refund."""

    merchant = models.ForeignKey("merchants.Merchant", on_delete=models.PROTECT, related_name="+")
    refund = models.OneToOneField(Refund, on_delete=models.CASCADE, related_name="deduction")
    amount = amount_field()
    shortfall = amount_field(default=0)
    currency = currency_field()
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency} from merchant {self.merchant_id}"


class CannedReply(models.Model):
    intent = models.CharField(max_length=32)
    language = models.CharField(max_length=8)
    title = models.CharField(max_length=100)
    body = models.TextField()

    class Meta:
        ordering = ["intent", "language"]
        constraints = [
            models.UniqueConstraint(fields=["intent", "language"], name="aftersales_canned_unique")
        ]

    def __str__(self) -> str:
        return f"{self.intent}/{self.language}"


class Survey(models.Model):
    """The post-resolution satisfaction survey (CSAT): one per case, answered at most once."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="survey")
    invited_at = models.DateTimeField(default=timezone.now)
    answered_at = models.DateTimeField(null=True, blank=True)
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["invited_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=1, score__lte=5),
                name="aftersales_survey_score",
            )
        ]

    def __str__(self) -> str:
        return f"survey {self.case_id}: {self.score}"
