"""Evidence attachments: images and PDFs, checked by their content, stored under MEDIA_ROOT.

The file's first bytes decide its type — a name ending in .jpg proves nothing. Files are stored under a
random name; the database keeps the original name, size, type and a SHA-256 for integrity.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from django.core.files.base import ContentFile
from django.utils import timezone

from trustdesk.aftersales.models import Case, Evidence
from trustdesk.aftersales.services import Who, require, require_open
from trustdesk.core.errors import ValidationFailed

MAX_BYTES = 10 * 1024 * 1024
MAX_PER_CASE = 20
SIGNATURES: list[tuple[bytes, str, str]] = [
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"GIF87a", "image/gif", "gif"),
    (b"GIF89a", "image/gif", "gif"),
    (b"%PDF-", "application/pdf", "pdf"),
]


def sniff(head: bytes) -> tuple[str, str] | None:
    """(content type, extension) recognised from the first bytes, or None."""
    for magic, content_type, ext in SIGNATURES:
        if head.startswith(magic):
            return content_type, ext
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp", "webp"
    return None


def do_attach(
    case: Case, *, who: Who, name: str, data: bytes, note: str = "", now: datetime | None = None
) -> Evidence:
    from trustdesk.aftersales.models import Party

    require(case, who, Party.SHOPPER, Party.MERCHANT, Party.ARBITRATOR, Party.AGENT, doing="attach evidence")
    require_open(case, "attach evidence")
    if not data:
        raise ValidationFailed("the file is empty", code="empty_file")
    if len(data) > MAX_BYTES:
        raise ValidationFailed(
            f"the file is {len(data) // 1024} KiB; the limit is {MAX_BYTES // (1024 * 1024)} MiB",
            code="file_too_large",
        )
    kind = sniff(data[:16])
    if kind is None:
        raise ValidationFailed(
            f"{name!r} is not a JPEG, PNG, GIF, WebP image or a PDF (judged by its content, not its name)",
            code="unsupported_file_type",
        )
    if case.evidence.count() >= MAX_PER_CASE:
        raise ValidationFailed(f"a case holds at most {MAX_PER_CASE} files", code="too_many_files")
    content_type, ext = kind
    evidence = Evidence(
        case=case,
        party=who.party,
        original_name=name[:200] or f"evidence.{ext}",
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        note=note[:500],
        uploaded_at=now or timezone.now(),
    )
    evidence.file.save(f"{secrets.token_hex(16)}.{ext}", ContentFile(data), save=False)
    evidence.save()
    return evidence
