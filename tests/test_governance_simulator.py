"""The simulator's governance scenarios: applicants with bad or duplicate identities, listings with
violations judged at their own simulated time, a penalty with its appeal, and a spot-check plan."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from io import StringIO

import pytest
from django.core.management import call_command

from trustdesk.compliance import spotchecks
from trustdesk.compliance.checker import CODES, ORIGINAL_PRICE
from trustdesk.compliance.models import ListingCheck, ListingFinding, SamplingPlan
from trustdesk.listings.models import Listing
from trustdesk.merchants.identity import check_resident_id, check_uscc
from trustdesk.merchants.models import AdmissionApplication, Penalty
from trustdesk.simulator.governance import APPLICANT_KINDS

pytestmark = pytest.mark.django_db

UNTIL = datetime(2026, 11, 20, 13, tzinfo=UTC)


@pytest.fixture
def simulated() -> str:
    out = StringIO()
    call_command(
        "simulate", "--orders=300", "--merchants=6", "--shoppers=30", "--months=8",
        "--until=2026-11-20T21:00:00+08:00", stdout=out,
    )  # fmt: skip
    return out.getvalue()


def test_applicants_include_mistyped_duplicate_and_blocklisted_identities(simulated):
    apps = list(AdmissionApplication.objects.all())
    # The two mistyped identities were refused at the door: nothing of them is stored.
    assert len(apps) == len(APPLICANT_KINDS) - 2
    for app in apps:
        check_uscc(app.uscc)
        check_resident_id(app.legal_rep_id_number.reveal())
    states = Counter(app.state for app in apps)
    assert states == {"rejected": 3, "needs_more_info": 1, "under_review": 2}
    reasons = " ".join(app.decision_reason for app in apps if app.state == "rejected")
    assert "already exists" in reasons and "blocklisted" in reasons and "legal representative" in reasons
    assert "refused for a mistyped identity" in simulated


def test_violations_are_flagged_at_their_simulated_time_and_honest_promotions_are_not(simulated):
    codes = Counter(ListingFinding.objects.values_list("code", flat=True))
    assert set(codes) == set(CODES), codes
    # Festival promotions strike through the price the listing really had; only the one listing
    # whose "original price" was invented on purpose may be flagged for it.
    inflated = ListingFinding.objects.filter(code=ORIGINAL_PRICE).select_related("check_run__listing")
    assert inflated.count() == 1
    listing = inflated.get().check_run.listing
    assert listing.original_price == listing.price * 3
    # Checks carry the time of the write they judged, inside the simulated period.
    assert ListingCheck.objects.filter(at__gt=UNTIL).count() == 0
    assert "listings broke the listing rules" in simulated


def test_a_blocked_listing_is_taken_down_and_a_fixed_one_comes_back(simulated):
    blocked = Listing.objects.filter(external_id__contains="-v", status="removed")
    assert blocked.count() >= 3
    fixed = Listing.objects.get(title="玻尿酸修护面霜 50ml")
    assert fixed.status == "active"
    assert list(fixed.compliance_checks.order_by("at").values_list("verdict", flat=True)) == [
        "block",
        "pass",
    ]


def test_a_penalty_is_appealed_and_a_spot_check_plan_can_be_redrawn(simulated):
    penalty = Penalty.objects.exclude(source__startswith="inspection:").get(kind="listing_removal")
    assert penalty.state == "upheld" and penalty.published and penalty.appeal_text
    plan = SamplingPlan.objects.get(period="2026-11")
    assert spotchecks.redraw(plan) == plan.drawn
    states = Counter(plan.tasks.values_list("state", flat=True))
    assert states["failed"] == 1 and states["passed"] == 2
    assert Penalty.objects.filter(source__startswith="inspection:").count() == 1
