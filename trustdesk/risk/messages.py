"""Message safety (SPEC C3, C10): off-platform payment and contact solicitation in zh and en.

Text is normalised before matching — full-width forms folded (NFKC), Chinese and circled numerals made
digits, and separators between single characters removed ("加 微 信", "Q-Q 1 2 3") — while keeping a
map back to the original offsets, so each finding's span points at what the person wrote.
Payment outside the platform blocks; contact details outside it warn.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_NUMERALS = str.maketrans("零〇一二三四五六七八九壹贰叁肆伍陆柒捌玖", "0012345678912345678" + "9")
_SEPARATORS = set(" \t\r\n-_.·•*|/\\~,，。、　'\"")


@dataclass(frozen=True)
class Finding:
    code: str
    message: str
    span: tuple[int, int]
    severity: str  # warn | block


def _normalise(text: str, strip: bool = True) -> tuple[str, list[int]]:
    chars: list[str] = []
    origin: list[int] = []
    for index, ch in enumerate(text):
        for folded in unicodedata.normalize("NFKC", ch).lower().translate(_NUMERALS):
            if strip and folded in _SEPARATORS:
                continue
            chars.append(folded)
            origin.append(index)
    return "".join(chars), origin


# Matched against the normalised text (separators removed, lower case, ASCII digits); links are
# matched with their separators, which are part of them.
LINK_CODES = {"external_pay_link", "external_link"}
PATTERNS: tuple[tuple[str, str, str, str], ...] = (
    (
        "offplatform_payment",
        "block",
        r"私下(转账|交易|付款|支付)|线下(转账|交易|付款)|绕(过|开)平台|不走平台|直接(转账|打款|付款)(给我)?|"
        r"转账给我|加价.*私下|paymeoutside|payoutside(the)?(platform|app)|off(the)?platform(payment|pay)?|"
        r"paymedirectly|(bank|wire)transfer(tome|directly)|sendmoneydirectly|westernunion",
        "asks for payment outside the platform, which loses the platform's buyer protection",
    ),
    (
        "external_pay_link",
        "block",
        r"(https?://|www)[a-z0-9:/?=&%#._-]*(pay|alipay|paypal|wxp|qr\.alipay|收款)[a-z0-9:/?=&%#._-]*|wxp://\S+|"
        r"paypal\.me/\S*",
        "contains an external payment link",
    ),
    (
        "wechat_contact",
        "warn",
        r"(加|\+)(微|v|vx|wx|weixin|wechat|威|薇)[信号:：]*[a-z0-9_-]{0,20}|add(vx|wx|weixin|wechat)[a-z0-9_-]{0,20}|"
        r"(微信|薇信|威信|徽信|v信|weixin|wechat)[号:：]*[a-z0-9_-]{0,20}|(vx|wx)[号:：]+[a-z0-9_-]{4,20}",
        "asks to move the conversation to WeChat",
    ),
    (
        "qq_contact",
        "warn",
        r"(qq|扣扣|企鹅|球球)[号:：]*\d{5,11}|加(qq|扣扣|企鹅)",
        "shares a QQ number to move the conversation off the platform",
    ),
    (
        "phone_number",
        "warn",
        r"(?<!\d)1[3-9]\d{9}(?!\d)",
        "shares a phone number to be contacted outside the platform",
    ),
    (
        "external_link",
        "warn",
        r"(https?://|www)[a-z0-9:/?=&%#._-]+",
        "contains a link to another site",
    ),
)
_COMPILED = tuple((code, severity, re.compile(rx), message) for code, severity, rx, message in PATTERNS)


def check_message(text: str) -> tuple[str, list[Finding]]:
    forms = {True: _normalise(text), False: _normalise(text, strip=False)}
    findings: list[Finding] = []
    taken: list[tuple[int, int]] = []
    for code, severity, regex, message in _COMPILED:
        normalised, origin = forms[code not in LINK_CODES]
        for match in regex.finditer(normalised):
            start, end = match.span()
            if end <= start:
                continue
            span = (origin[start], origin[end - 1] + 1)
            if any(s < span[1] and span[0] < e for s, e in taken):
                continue  # the same words already explain a stronger finding
            taken.append(span)
            findings.append(Finding(code, message, span, severity))
    if any(f.severity == "block" for f in findings):
        return "block", findings
    return ("warn" if findings else "ok"), findings
