"""Scenarios of merchant governance (SPEC C1, C2) on the simulated marketplace.

- Late shippers: the late-shipment rate is the share of paid orders handed to the carrier more than
  48 hours after payment (made-to-order and digital goods ship on their own clock and are left out);
  governance warns the worst and restricts the worst of those.
- Applicants: companies apply to sell; some with a mistyped identity (refused at the door), a USCC
  that is already a merchant's, a legal representative who already runs a shop, or a blocklisted
  identity. Governance asks for missing licences and refuses the ones it must; the clean ones wait in
  the queue for the demo's governance user to decide.
- Listings with violations: a few shops list goods with absolute claims, medical claims, counterfeit
  signals, prohibited items or an invented "original price", at simulated times, so the compliance
  check flags them; one is fixed, one draws a penalty that the merchant appeals; a spot-check plan is
  drawn for the last month and its first inspections are carried out.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

from django.db import transaction

from trustdesk.compliance import spotchecks
from trustdesk.compliance.models import SamplingPlan
from trustdesk.compliance.services import category_norm, latest_check
from trustdesk.core import pii
from trustdesk.core.actors import SIMULATOR, Actor
from trustdesk.core.errors import ValidationFailed
from trustdesk.listings.models import Listing, ListingStatus
from trustdesk.listings.services import do_create_listing, do_update_listing, get_category
from trustdesk.merchants import admission, penalties
from trustdesk.merchants.models import AdmissionState, BlockedIdentity, MerchantStatus
from trustdesk.merchants.services import do_change_merchant_status
from trustdesk.orders.models import Order
from trustdesk.simulator import people
from trustdesk.simulator.world import SimShop, World

# Governance staff as the simulation plays them; the demo's own governance user acts for itself.
GOVERNANCE = Actor.system("simulated-governance")
LICENCE_PDF = b"%PDF-1.4\n% simulated scan of a business licence\n"

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


# --- applicants ---------------------------------------------------------------------------------

# One applicant of each kind; larger worlds add more clean applicants to the queue.
APPLICANT_KINDS = (
    "clean",
    "mistyped_uscc",
    "duplicate_uscc",
    "food_without_licence",
    "mistyped_id",
    "same_representative",
    "blocklisted",
    "clean",
)
_COMPANY_TRADES = (
    "鑫源",
    "瑞丰",
    "嘉禾",
    "恒泰",
    "优品",
    "森木",
    "悦享",
    "诚信",
    "博雅",
    "锦程",
    "汇通",
    "青禾",
)


def _corrupt_last(value: str) -> str:
    return value[:-1] + ("1" if value[-1] != "1" else "2")


def admit_applicants(world: World) -> None:
    rng = world.rng("governance-admission")
    kinds = list(APPLICANT_KINDS) + ["clean"] * (world.config.merchants // 10)
    existing = [m.merchant for m in world.merchants]
    outcomes: dict[str, int] = defaultdict(int)
    for index, kind in enumerate(kinds):
        region = rng.choice(people.REGIONS)
        representative = people.person(rng, on=world.until.date(), min_age=24, max_age=60)
        uscc, id_number = people.uscc(rng, region), people.resident_id(rng, representative)
        categories = ["home"]
        if kind == "mistyped_uscc":
            uscc = _corrupt_last(uscc)
        elif kind == "mistyped_id":
            id_number = _corrupt_last(id_number)
        elif kind == "duplicate_uscc" and existing:
            uscc = existing[index % len(existing)].uscc
        elif kind == "same_representative" and existing:
            id_number = existing[-1].legal_rep_id_number.reveal()
        elif kind == "food_without_licence":
            categories = ["fresh-food", "home"]
        elif (
            kind == "blocklisted"
            and not BlockedIdentity.objects.filter(kind="uscc", value_index=pii.blind_index(uscc)).exists()
        ):
            admission.do_block_identity(
                actor=GOVERNANCE,
                kind="uscc",
                value=uscc,
                reason="涉嫌售假团伙关联企业 · linked to a counterfeiting ring",
            )
        trade = _COMPANY_TRADES[index % len(_COMPANY_TRADES)]
        city = region.city.removesuffix("市")
        try:
            app = admission.do_submit_application(
                actor=SIMULATOR,
                legal_name=f"{city}{trade}商贸有限公司",
                uscc=uscc,
                legal_rep_name=representative.name,
                legal_rep_id_number=id_number,
                categories=categories,
                contact_phone=people.mobile(rng),
                shop_name=f"{trade}生活馆",
                deposit_amount=Decimal(rng.choice((5000, 10000, 20000))),
            )
        except ValidationFailed:
            outcomes["refused"] += 1  # a mistyped identity never becomes an application
            continue
        if app.state == AdmissionState.REJECTED:
            outcomes["rejected"] += 1
            continue
        admission.do_upload_document(
            app,
            actor=SIMULATOR,
            kind="business_licence",
            filename="营业执照.pdf",
            content_type="application/pdf",
            content=LICENCE_PDF,
        )
        if admission.missing_qualifications(app):
            admission.do_decide(
                app,
                "needs_more_info",
                actor=GOVERNANCE,
                reason="经营生鲜食品需上传食品经营许可证 · upload the food licence to sell fresh food",
            )
            outcomes["asked for more"] += 1
        elif any(c["code"] == "duplicate_legal_rep" for c in app.checks):
            admission.do_decide(
                app,
                "reject",
                actor=GOVERNANCE,
                reason=(
                    "法定代表人已经营另一家店铺，申请未说明关联关系 · the legal representative already runs "
                    "another merchant and the application does not say how they are related"
                ),
            )
            outcomes["rejected"] += 1
        else:
            outcomes["waiting"] += 1
    world.say(
        f"{len(kinds)} companies applied to sell: {outcomes['refused']} refused for a mistyped identity, "
        f"{outcomes['rejected']} rejected, {outcomes['asked for more']} asked for a licence, "
        f"{outcomes['waiting']} waiting for a governance decision."
    )


# --- listings with violations -------------------------------------------------------------------

# (title, description, category): each trips one finding code of the listing check.
VIOLATIONS = (
    ("全网销量第一 收纳盒 三件套", "顶级材质，经久耐用。", "home"),
    ("Storage baskets, the best on the market", "World-class weave, 100% satisfaction.", "home"),
    ("玻尿酸修护面霜 50ml", "可治疗湿疹，七天痊愈。", "cosmetics"),
    ("高仿大牌斜挎包 专柜品质", "细节到位，支持验货。", "apparel"),
    ("仿真枪 金属模型 1:1", "全金属结构，可发射。", "sports"),
)
FIXES = {2: ("玻尿酸修护面霜 50ml", "温和保湿，适合干性肌肤。")}


def _violating_shops(world: World, rng: random.Random) -> list[SimShop]:
    shops = [s for s in world.shops if s.listings and s.owner.merchant.status != MerchantStatus.SUSPENDED]
    return rng.sample(shops, min(len(shops), 3))


def list_violations(world: World) -> None:
    rng = world.rng("governance-listings")
    shops = _violating_shops(world, rng)
    if not shops:
        return
    recent = world.until - timedelta(days=min(45, world.config.months * 15))
    created: list[Listing] = []
    for index, (title, description, category) in enumerate(VIOLATIONS):
        shop = shops[index % len(shops)]
        at = recent + (world.until - recent) * rng.uniform(0.05, 0.5)
        listing = do_create_listing(
            shop.shop,
            actor=SIMULATOR,
            external_id=f"{shop.shop.external_id}-v{index + 1:02d}",
            title=title,
            description=description,
            category=category,
            price=Decimal(rng.choice((39, 59, 89, 129))),
            created_at=at,
        )
        created.append(listing)
        if index in FIXES:
            fixed_title, fixed_description = FIXES[index]
            changes: dict[str, object] = {"title": fixed_title, "description": fixed_description}
            do_update_listing(listing, actor=SIMULATOR, changes=changes, at=at + timedelta(days=2))
    _counterfeit_by_price(world, rng, shops[0], created)
    repriced = _invented_original_price(world, rng, shops)
    _penalise_and_appeal(created)
    _spot_checks(world)
    runs = [latest_check(listing) for listing in [*created, *repriced]]
    verdicts = [run.verdict for run in runs if run is not None]
    world.say(
        f"{len(created) + len(repriced)} listings broke the listing rules: the compliance check took "
        f"{verdicts.count('block')} down, asked for {verdicts.count('revise')} to be revised, and "
        f"{verdicts.count('pass')} passed once fixed."
    )


def _counterfeit_by_price(world: World, rng: random.Random, shop: SimShop, created: list[Listing]) -> None:
    # The category with a known usual price, so "far below it" means something.
    for code in ("electronics", "home", "cosmetics", "apparel"):
        norm = category_norm(get_category(code))
        if norm:
            break
    else:
        return
    listing = do_create_listing(
        shop.shop,
        actor=SIMULATOR,
        external_id=f"{shop.shop.external_id}-v{len(VIOLATIONS) + 1:02d}",
        title="戴森 吹风机 全新正品",
        description="限时特价，数量有限。",
        category=code,
        brand="戴森",
        price=(norm * Decimal("0.08")).quantize(Decimal("1")) + Decimal("0.90"),
        created_at=world.until - timedelta(days=rng.uniform(3, 10)),
    )
    created.append(listing)


def _invented_original_price(world: World, rng: random.Random, shops: list[SimShop]) -> list[Listing]:
    """A shop shows an "original price" the listing never had, at a simulated time."""
    shop = shops[-1]
    listing = next(
        (
            item
            for item in shop.listings
            if item.status == ListingStatus.ACTIVE and item.original_price is None
        ),
        None,
    )
    if listing is None:
        return []
    listing.refresh_from_db()
    at = world.until - timedelta(days=rng.uniform(1, 4))
    changes: dict[str, object] = {"original_price": (listing.price * 3).quantize(Decimal("1"))}
    do_update_listing(listing, actor=SIMULATOR, changes=changes, at=at)
    return [listing]


def _penalise_and_appeal(created: list[Listing]) -> None:
    counterfeit = next((item for item in created if "高仿" in item.title), None)
    if counterfeit is None:
        return
    merchant = counterfeit.shop.merchant
    merchant.refresh_from_db()
    if merchant.status == MerchantStatus.CLOSED:
        return
    penalty = penalties.do_impose_penalty(
        merchant,
        "listing_removal",
        actor=GOVERNANCE,
        reason="商品标题含“高仿”，涉嫌售假 · the title offers a counterfeit (高仿)",
        evidence=[{"label": "listing check", "ref": f"listing:{counterfeit.external_id}"}],
        listing=counterfeit,
    )
    penalties.do_appeal(
        penalty,
        actor=SIMULATOR,
        text="“高仿”指设计风格相似，并非假冒 · it meant a similar style, not a fake",
    )
    penalties.do_decide_appeal(
        penalty,
        actor=GOVERNANCE,
        uphold=True,
        reason="“高仿”在平台规则中即为假冒商品信号 · 高仿 is a counterfeit signal under the platform rules",
    )


def _spot_checks(world: World) -> None:
    period = f"{world.until:%Y-%m}"
    if SamplingPlan.objects.filter(period=period).exists():
        return
    population = len(spotchecks.population())
    if not population:
        return
    plan = spotchecks.do_draw_plan(
        actor=GOVERNANCE, period=period, size=min(8, population), seed=f"simulation-{world.config.seed}"
    )
    for index, task in enumerate(plan.tasks.select_related("listing", "merchant")[:3]):
        spotchecks.do_start_inspection(task, actor=GOVERNANCE)
        if index == 0:
            spotchecks.do_record_result(
                task,
                actor=GOVERNANCE,
                passed=False,
                findings="实物面料与描述不符 · the fabric does not match the description",
                evidence=[{"label": "抽检报告 · inspection report", "ref": f"lab-{period}-{task.pk}"}],
                # The listing comes down; the merchant's standing moves only for late shipping here.
                penalty_kind="listing_removal",
            )
        else:
            spotchecks.do_record_result(
                task,
                actor=GOVERNANCE,
                passed=True,
                findings="实物与描述一致 · matches the description",
                evidence=[],
            )
