"""Scenario: the marketplace's standing cast — categories, merchants with their shops and listings, shoppers.

Everything is created through the same actions the REST API calls, with backdated times: most merchants
and shoppers joined before the simulated period, a few join during it and only trade afterwards.
"""

from __future__ import annotations

import math
import random
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction

from trustdesk.accounts.shoppers import do_create_shopper
from trustdesk.core.actors import SIMULATOR
from trustdesk.listings.models import Category
from trustdesk.listings.services import do_create_category, do_create_listing
from trustdesk.merchants.services import do_create_merchant, do_create_shop
from trustdesk.simulator import people
from trustdesk.simulator.catalogue import (
    BY_CODE,
    CATEGORIES,
    REAL_BRANDS,
    CategorySpec,
    charm_price,
    listing_text,
)
from trustdesk.simulator.world import PREFIX, SimMerchant, SimShop, SimShopper, World

_TRADE_FIRST = "悦禾优嘉汇鑫源盛恒诚博瑞锦创佳云星品尚和"
_TRADE_SECOND = "享品选达通美途乐丰泰福远成家物集雅新邦盈"
_INDUSTRY = {
    "apparel": "服饰",
    "electronics": "电子科技",
    "fresh-food": "农产品",
    "cosmetics": "化妆品",
    "home": "家居用品",
    "books": "图书",
    "baby": "母婴用品",
    "sports": "体育用品",
    "digital-downloads": "文化传媒",
    "custom-made": "工艺品",
}
# Shops whose late shipping governance later acts on; digital and made-to-order goods ship on
# their own clock and would make the measure meaningless.
_CAN_BE_SLOPPY = {"apparel", "electronics", "fresh-food", "cosmetics", "home", "baby", "sports"}


def populate(world: World) -> None:
    rng = world.rng("marketplace")
    with transaction.atomic():
        _ensure_categories()
        _merchants(world, rng)
    with transaction.atomic():
        _shoppers(world, rng)
    listings = sum(len(s.listings) for s in world.shops)
    world.say(
        f"{len(world.merchants)} merchants run {len(world.shops)} shops with {listings} listings "
        f"in {len(CATEGORIES)} categories, and {len(world.shoppers)} shoppers buy from them."
    )


def _ensure_categories() -> None:
    existing = set(Category.objects.values_list("code", flat=True))
    for spec in CATEGORIES:
        if spec.code not in existing:
            do_create_category(
                code=spec.code,
                name_en=spec.name_en,
                name_zh=spec.name_zh,
                no_reason_return=spec.no_reason_return,
                warranty_days=spec.warranty_days,
                requires_qualification=spec.requires_qualification,
            )


def _joined(rng: random.Random, world: World, index: int, years_back: int) -> datetime:
    """Mostly before the simulated period; some during its first part. The first always before."""
    if index == 0 or rng.random() < 0.85:
        earliest = world.start - timedelta(days=365 * years_back)
        return earliest + (world.start - earliest) * rng.random() - timedelta(days=1)
    return world.start + (world.until - world.start) * rng.uniform(0.05, 0.8)


def _merchants(world: World, rng: random.Random) -> None:
    count = world.config.merchants
    trade_names = [a + b for a in _TRADE_FIRST for b in _TRADE_SECOND]
    picked = rng.sample(trade_names, min(count, len(trade_names)))
    picked += [f"{rng.choice(trade_names)}{i}" for i in range(count - len(picked))]
    specs = []
    for index, trade in enumerate(picked):
        main = rng.choices(CATEGORIES, weights=[c.share for c in CATEGORIES])[0]
        categories = [main.code]
        if rng.random() < 0.25:
            categories.append(rng.choice([c.code for c in CATEGORIES if c is not main]))
        specs.append((_joined(rng, world, index, 4), trade, main, categories))
    specs.sort(key=lambda spec: spec[0])
    candidates = [i for i, spec in enumerate(specs) if spec[2].code in _CAN_BE_SLOPPY]
    sloppy = set(rng.sample(candidates, min(len(candidates), max(1, round(count * 0.12)))))
    shop_number = 0
    taken: set[tuple[str, str]] = set()
    for index, (joined_at, trade, main, categories) in enumerate(specs):
        sim = _merchant(rng, index, joined_at, trade, main, categories, index in sloppy, taken)
        world.merchants.append(sim)
        for shop_index in range(1 if rng.random() < 0.88 else 2):
            shop_number += 1
            world.shops.append(_shop(rng, sim, shop_number, joined_at, shop_index))
    world.shops.sort(key=lambda s: s.sells_from)


def _merchant(
    rng: random.Random,
    index: int,
    joined_at: datetime,
    trade: str,
    main: CategorySpec,
    categories: list[str],
    sloppy: bool,
    taken: set[tuple[str, str]],
) -> SimMerchant:
    region = rng.choices(people.REGIONS, weights=people.MERCHANT_REGION_WEIGHTS)[0]
    english = rng.random() < 0.15
    city = region.city if region.city in {"深圳市", "广州市"} else region.city.removesuffix("市")
    industry = "跨境电子商务" if english else _INDUSTRY[main.code]
    representative = people.person(rng, on=joined_at.date(), min_age=24, max_age=62)
    if rng.random() < 0.7:
        representative = replace(representative, region=region)
    (brand_zh, brand_en), owner = _brand(rng, main, taken)
    if owner:
        handle = "".join(c for c in brand_en.lower() if c.isascii() and c.isalnum())
        contact_email = f"service@{handle}.cn"
    else:
        contact_email = people.email(rng)
    merchant = do_create_merchant(
        actor=SIMULATOR,
        external_id=f"{PREFIX}m{index + 1:04d}",
        legal_name=f"{city}{trade}{industry}有限公司",
        uscc=people.uscc(rng, region),
        legal_rep_name=representative.name,
        legal_rep_id_number=people.resident_id(rng, representative),
        contact_phone=people.mobile(rng),
        contact_email=contact_email,
        deposit_amount=Decimal(main.deposit * rng.choice((1, 1, 1, 2))),
        joined_at=joined_at,
    )
    return SimMerchant(merchant, trade, brand_zh, brand_en, owner, categories, english, sloppy)


def _brand(
    rng: random.Random, main: CategorySpec, taken: set[tuple[str, str]]
) -> tuple[tuple[str, str], bool]:
    """An own brand nobody else uses yet, or else a real brand to resell."""
    own = [b for b in main.brands if b[1] not in REAL_BRANDS and b not in taken]
    if own and rng.random() < 0.7:
        brand = rng.choice(own)
        taken.add(brand)
        return brand, True
    resold = [b for b in main.brands if b[1] in REAL_BRANDS] or list(main.brands)
    return rng.choice(resold), False


def _shop_name(rng: random.Random, owner: SimMerchant, category: CategorySpec) -> str:
    if owner.english:
        if owner.brand_owner:
            return f"{owner.brand_en} {rng.choice(('Official Store', 'Global Store'))}"
        return f"{owner.trade} {category.name_en.split(' and ')[0].split(',')[0]} Global Store"
    short = category.name_zh[:2]
    names = [f"{owner.trade}{short}专营店", f"{owner.trade}{short}专卖店", f"{owner.trade}的小店"]
    if owner.brand_owner:
        names += [f"{owner.brand_zh}官方旗舰店"] * 3
    return rng.choice(names)


def _shop(
    rng: random.Random, owner: SimMerchant, number: int, joined_at: datetime, shop_index: int
) -> SimShop:
    category = BY_CODE[owner.categories[min(shop_index, len(owner.categories) - 1)]]
    opened_at = joined_at + timedelta(days=rng.uniform(0.5, 5) + 20 * shop_index)
    shop = do_create_shop(
        owner.merchant,
        actor=SIMULATOR,
        external_id=f"{PREFIX}s{number:04d}",
        name=_shop_name(rng, owner, category),
        opened_at=opened_at,
    )
    # Heavy-tailed: a few shops take most of the orders, as on every real marketplace.
    sim = SimShop(shop, owner, opened_at + timedelta(days=2), min(rng.paretovariate(1.3), 30.0))
    _listings(rng, sim, shop_index)
    return sim


def _listings(rng: random.Random, shop: SimShop, shop_index: int) -> None:
    owner = shop.owner
    main = owner.categories[min(shop_index, len(owner.categories) - 1)]
    titles: set[str] = set()
    for _ in range(rng.randint(6, 24)):
        code = main if rng.random() < 0.85 else rng.choice(owner.categories)
        spec = BY_CODE[code]
        # The merchant's brand is of its main category; other goods carry a brand of their own.
        if code == owner.categories[0]:
            shop_brand = (owner.brand_zh, owner.brand_en)
        else:
            shop_brand = rng.choice(spec.brands)
        for _attempt in range(6):
            title, description, brand, product = listing_text(rng, spec, shop_brand, owner.english)
            if title not in titles:
                break
        else:
            continue
        titles.add(title)
        price = charm_price(rng, math.exp(rng.uniform(math.log(product.low), math.log(product.high))))
        listing = do_create_listing(
            shop.shop,
            actor=SIMULATOR,
            external_id=f"{shop.shop.external_id}-l{len(shop.listings) + 1:03d}",
            title=title,
            category=code,
            price=price,
            description=description,
            brand=brand,
            created_at=shop.shop.opened_at + timedelta(hours=rng.uniform(1, 40)),
        )
        shop.listings.append(listing)
        shop.listing_weights.append(rng.paretovariate(1.5))


def _shoppers(world: World, rng: random.Random) -> None:
    specs = [(_joined(rng, world, i, 5), i) for i in range(world.config.shoppers)]
    specs.sort()
    for number, (registered_at, _index) in enumerate(specs, start=1):
        who = people.person(rng, on=world.until.date(), max_age=65)
        phone = people.mobile(rng)
        home = people.address(rng, who.region)
        addresses = [home] + [people.address(rng) for _ in range(rng.choices((0, 1, 2), (70, 25, 5))[0])]
        shopper = do_create_shopper(
            external_id=f"{PREFIX}u{number:05d}",
            display_name=people.nickname(rng),
            phone=phone,
            email=people.email(rng) if rng.random() < 0.4 else "",
            registered_at=registered_at,
        )
        fingerprints = [f"fp_{rng.getrandbits(64):016x}" for _ in range(rng.choice((1, 1, 2)))]
        world.shoppers.append(
            SimShopper(
                shopper,
                who.name,
                phone,
                addresses,
                fingerprints,
                min(rng.lognormvariate(0, 0.7), 6.0),
            )
        )
