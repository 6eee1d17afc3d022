"""Scenario: governance acts on merchants who ship late, as measured from the simulated orders.

The late-shipment rate is the share of paid orders handed to the carrier more than 48 hours after
payment. Made-to-order and digital goods ship on their own clock and are left out of the measure.
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import timedelta

from django.db import transaction

from trustdesk.core.actors import SIMULATOR
from trustdesk.merchants.models import MerchantStatus
from trustdesk.merchants.services import do_change_merchant_status
from trustdesk.orders.models import Order
from trustdesk.simulator.world import World

LATE_AFTER = timedelta(hours=48)
WARN_ABOVE = 0.15
RESTRICT_ABOVE = 0.40
MIN_SHIPPED = 5


def late_shipment_rates(world: World) -> dict[int, float]:
    """Merchant pk → late-shipment rate, for merchants with enough shipped orders to judge."""
    shipped: dict[int, int] = defaultdict(int)
    late: dict[int, int] = defaultdict(int)
    rows = (
        Order.objects.filter(
            shop__merchant__in=[m.merchant for m in world.merchants],
            shipped_at__isnull=False,
            paid_at__isnull=False,
        )
        .exclude(items__category__code__in=("custom-made", "digital-downloads"))
        .values_list("shop__merchant_id", "paid_at", "shipped_at")
    )
    for merchant_id, paid_at, shipped_at in rows:
        if paid_at is None or shipped_at is None:  # excluded by the query; this informs the types
            continue
        shipped[merchant_id] += 1
        late[merchant_id] += shipped_at - paid_at > LATE_AFTER
    return {m: late[m] / n for m, n in shipped.items() if n >= MIN_SHIPPED}


def warn_late_shippers(world: World) -> None:
    rates = late_shipment_rates(world)
    worst_first = sorted(((rate, pk) for pk, rate in rates.items() if rate > WARN_ABOVE), reverse=True)
    # Governance has a finite caseload: it starts with the worst tenth of the merchants.
    offenders = worst_first[: max(1, round(len(world.merchants) * 0.1))]
    by_pk = {m.merchant.pk: m.merchant for m in world.merchants}
    restricted = 0
    with transaction.atomic():
        for rank, (rate, pk) in enumerate(offenders):
            merchant = by_pk[pk]
            do_change_merchant_status(
                merchant,
                MerchantStatus.WARNED,
                actor=SIMULATOR,
                reason=(
                    f"发货超时率 {rate:.0%}（付款后 48 小时内未发货），高于平台 15% 的标准 · "
                    f"late-shipment rate {rate:.0%} (not shipped within 48 hours of payment), "
                    "above the 15% standard"
                ),
            )
            if rate > RESTRICT_ABOVE and rank < math.ceil(len(offenders) / 3):
                do_change_merchant_status(
                    merchant,
                    MerchantStatus.RESTRICTED,
                    actor=SIMULATOR,
                    reason=(
                        f"警告后发货超时率仍为 {rate:.0%}，限制上架新商品 30 天 · "
                        f"late-shipment rate still {rate:.0%} after the warning; "
                        "no new listings for 30 days"
                    ),
                )
                restricted += 1
    if offenders:
        world.say(
            f"Governance warned {len(offenders)} merchant{'s' if len(offenders) > 1 else ''} "
            f"for shipping late and restricted {restricted} of them."
        )
