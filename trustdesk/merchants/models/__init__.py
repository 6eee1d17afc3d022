"""Merchant models, one module per concern: the merchant and its shops, admission, penalties, credit."""

from trustdesk.merchants.models.admission import (
    AdmissionApplication,
    AdmissionDocument,
    AdmissionEvent,
    AdmissionState,
    BlockedIdentity,
)
from trustdesk.merchants.models.core import Merchant, MerchantEvent, MerchantStatus, Shop
from trustdesk.merchants.models.credit import CreditScore
from trustdesk.merchants.models.penalties import Penalty, PenaltyEvent, PenaltyKind, PenaltyState

__all__ = [
    "AdmissionApplication",
    "AdmissionDocument",
    "AdmissionEvent",
    "AdmissionState",
    "BlockedIdentity",
    "CreditScore",
    "Merchant",
    "MerchantEvent",
    "MerchantStatus",
    "Penalty",
    "PenaltyEvent",
    "PenaltyKind",
    "PenaltyState",
    "Shop",
]
