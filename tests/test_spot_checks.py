"""Spot checks: a reproducible, risk-weighted draw, inspection tasks, failures feeding penalties."""

from __future__ import annotations

from trustdesk.compliance import spotchecks
from trustdesk.merchants.models import Merchant


def add_listings(api, n):
    for i in range(n):
        body = {
            "external_id": f"x-{i}",
            "shop": "s-1",
            "title": f"收纳盒 {i}",
            "category": "apparel",
            "price": "20",
        }
        assert api.post("/listings", body)[0] == 201


def test_a_plan_is_reproducible_from_its_recorded_seed_and_weights(api, marketplace):
    add_listings(api, 10)
    status, plan = api.post("/spot-checks/plans", {"period": "2025-06", "size": 4, "seed": "audit-seed"})
    assert status == 201 and len(plan["drawn"]) == 4 and len(plan["tasks"]) == 4
    assert plan["seed"] == "audit-seed" and len(plan["population"]) == 12
    status, again = api.post("/spot-checks/plans/2025-06/redraw")
    assert again == {"period": "2025-06", "drawn": plan["drawn"], "matches": True}
    assert api.post("/spot-checks/plans", {"period": "2025-06", "size": 4})[0] == 409


def test_the_draw_favours_heavier_weights():
    rows = [[i, 10.0 if i < 5 else 0.5] for i in range(100)]
    hits = sum(1 for seed in range(200) for i in spotchecks.draw(str(seed), rows, 5) if i < 5)
    assert hits > 200 * 5 * 0.4  # 5% of the population, yet far more than 5% of the picks


def test_a_failed_inspection_becomes_a_penalty_and_lowers_credit(api, marketplace):
    plan = api.post("/spot-checks/plans", {"period": "2025-07", "size": 1, "seed": "s"})[1]
    task = plan["tasks"][0]["id"]
    early = {"passed": True, "findings": "looks fine"}
    assert api.post(f"/inspections/{task}/result", early)[1]["code"] == "invalid_transition"
    assert api.post(f"/inspections/{task}/start")[1]["state"] == "in_progress"
    status, body = api.post(
        f"/inspections/{task}/result", {"passed": False, "findings": "fabric is polyester"}
    )
    assert status == 422  # a failure needs evidence
    status, body = api.post(
        f"/inspections/{task}/result",
        {
            "passed": False,
            "findings": "fabric is polyester, not cotton",
            "evidence": [{"label": "lab report", "ref": "lab-2025-07-1"}],
        },
    )
    assert status == 200 and body["state"] == "failed"
    merchant = Merchant.objects.get(external_id="m-1")
    penalty = merchant.penalties.get()
    assert penalty.kind == "warning" and penalty.source == f"inspection:{task}"
    assert merchant.status == "warned"
    spot = next(f for f in merchant.credit.breakdown if f["factor"] == "spot_checks")
    assert spot["points"] == 0 and "1 of 1" in spot["detail"]
