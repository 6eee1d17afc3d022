"""The state a simulation run shares between its scenarios: settings, random streams, what exists.

Each scenario draws from its own random stream, named after it, so that adding a scenario (after-sales,
risk, reviews) leaves the data of the others unchanged for the same seed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from trustdesk.accounts.models import Shopper
from trustdesk.listings.models import Listing
from trustdesk.merchants.models import Merchant, Shop

# Simulated rows are recognisable by this prefix of their external ids, and never collide with
# what a real marketplace mirrors into the same database.
PREFIX = "sim-"
DAYS_PER_MONTH = 30.44


class SimulationError(Exception):
    """The simulation cannot run as asked; the message says why and what to do."""


@dataclass(frozen=True)
class Config:
    seed: int = 1
    months: int = 6
    merchants: int = 40
    shoppers: int = 800
    orders: int = 6000
    until: datetime | None = None

    def check(self) -> None:
        if not 1 <= self.months <= 36:
            raise SimulationError("--months must be between 1 and 36")
        if self.merchants < 1 or self.shoppers < 1 or self.orders < 0:
            raise SimulationError("--merchants and --shoppers must be at least 1, --orders at least 0")


@dataclass
class SimMerchant:
    merchant: Merchant
    trade: str  # the 字号 of the company name, which shop names reuse
    brand_zh: str
    brand_en: str
    brand_owner: bool  # its own brand, rather than a reseller of someone else's
    categories: list[str]
    english: bool
    # Slow shippers are the ones governance ends up warning; see trading.warn_late_shippers.
    sloppy: bool


@dataclass
class SimShop:
    shop: Shop
    owner: SimMerchant
    sells_from: datetime
    popularity: float
    listings: list[Listing] = field(default_factory=list)
    listing_weights: list[float] = field(default_factory=list)


@dataclass
class SimShopper:
    shopper: Shopper
    real_name: str
    phone: str
    addresses: list[str]
    payment_fingerprints: list[str]
    activity: float


@dataclass
class World:
    config: Config
    until: datetime
    merchants: list[SimMerchant] = field(default_factory=list)
    shops: list[SimShop] = field(default_factory=list)
    shoppers: list[SimShopper] = field(default_factory=list)
    summary: list[str] = field(default_factory=list)

    @property
    def start(self) -> datetime:
        return self.until - timedelta(days=self.config.months * DAYS_PER_MONTH)

    def rng(self, stream: str) -> random.Random:
        # A str seed is hashed with SHA-512 by random.Random, so it does not depend on PYTHONHASHSEED.
        return random.Random(f"{self.config.seed}:{stream}")

    def say(self, sentence: str) -> None:
        self.summary.append(sentence)
