"""Evidence attachments: images and PDFs judged by their content, size-limited, stored outside the
database under a random name with a SHA-256, and readable only by the people on the case."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from test_aftersales_support import delivered_order, open_case, shop

from trustdesk.accounts.models import Shopper
from trustdesk.aftersales import evidence
from trustdesk.aftersales.models import Evidence

__all__ = ["shop"]

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n" + b"1 0 obj << >> endobj\n" * 4


@pytest.fixture(autouse=True)
def media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _upload(api, case_id: int, name: str, data: bytes, party_id: str = "u-1", party: str = "shopper"):
    response = api.client.post(
        f"/api/v1/aftersales/cases/{case_id}/evidence",
        {"party": party, "party_id": party_id, "note": "photo", "file": SimpleUploadedFile(name, data)},
        HTTP_AUTHORIZATION=f"Bearer {api.bearer}",
    )
    return response.status_code, response.json()


def test_images_and_pdfs_are_stored_on_disk_with_their_digest(shop, media):
    cid = open_case(shop, delivered_order(shop))["id"]
    status, png = _upload(shop, cid, "cracked.jpg", PNG)  # the name says JPEG; the bytes say PNG
    assert status == 201, png
    assert png["content_type"] == "image/png" and png["size"] == len(PNG)
    assert png["sha256"] == hashlib.sha256(PNG).hexdigest() and png["original_name"] == "cracked.jpg"
    stored = Evidence.objects.get(pk=png["id"])
    path = Path(stored.file.path)
    assert path.is_relative_to(Path(media)) and path.read_bytes() == PNG
    assert "cracked" not in path.name  # stored under a random name
    status, pdf = _upload(shop, cid, "invoice.pdf", PDF, party="merchant", party_id="m-1")
    assert status == 201 and pdf["content_type"] == "application/pdf" and pdf["party"] == "merchant"


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        ("photo.jpg", b"MZ\x90\x00 this is a program", "unsupported_file_type"),
        ("notes.pdf", b"just text pretending", "unsupported_file_type"),
        ("empty.png", b"", "empty_file"),
        ("huge.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * evidence.MAX_BYTES, "file_too_large"),
    ],
)
def test_bad_files_are_refused_and_nothing_is_stored(shop, media, name, data, code):
    cid = open_case(shop, delivered_order(shop))["id"]
    status, body = _upload(shop, cid, name, data)
    assert status == 422 and body["code"] == code and body["message"]
    assert not Evidence.objects.exists()
    assert not any(p.is_file() for p in Path(media).rglob("*"))


def test_only_the_sides_of_the_case_attach_and_read_evidence(shop, media, make_user):
    cid = open_case(shop, delivered_order(shop))["id"]
    assert shop.post("/shoppers", {"external_id": "u-2", "display_name": "Han Meimei"})[0] == 201
    status, body = _upload(shop, cid, "x.png", PNG, party_id="u-2")
    assert status == 403 and body["code"] == "wrong_party"
    status, png = _upload(shop, cid, "x.png", PNG)
    assert status == 201

    owner, stranger = Client(), Client()
    owner.force_login(make_user("li-lei", "shopper", totp=False))
    Shopper.objects.filter(external_id="u-1").update(user=owner.session["_auth_user_id"])
    stranger.force_login(make_user("han-meimei", "shopper", totp=False))
    Shopper.objects.filter(external_id="u-2").update(user=stranger.session["_auth_user_id"])
    download = owner.get(f"/aftersales/evidence/{png['id']}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == PNG
    assert stranger.get(f"/aftersales/evidence/{png['id']}/").status_code == 404
    assert media == settings.MEDIA_ROOT
