"""zh-Hans: the catalogue is complete and sound, and pages follow the language the visitor chose."""

from __future__ import annotations

import io
import re
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from conftest import PASSWORD
from django.conf import settings
from django.test import Client
from django.utils.translation.template import templatize

CATALOGUE = Path(settings.LOCALE_PATHS[0]) / "zh_Hans" / "LC_MESSAGES" / "django.po"
SOURCE = Path(settings.BASE_DIR) / "trustdesk"

# The marker functions makemessages looks for, in Babel's notation ("c" marks the context argument).
KEYWORDS = {
    "_": None,
    "gettext": None,
    "gettext_lazy": None,
    "gettext_noop": None,
    "ngettext": (1, 2),
    "ngettext_lazy": (1, 2),
    "pgettext": ((1, "c"), 2),
    "pgettext_lazy": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
    "npgettext_lazy": ((1, "c"), 2, 3),
}

# %(name)s and its relatives, bare %s/%d, and {name} / {0} / {} fields.
PLACEHOLDER = re.compile(
    r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[a-zA-Z]"
    r"|%[-#0+]*\d*(?:\.\d+)?[sdif]"
    r"|\{\w*(?:[!:][^}]*)?\}"
)


def _catalogue() -> Catalog:
    with CATALOGUE.open("rb") as handle:
        return read_po(handle)


def _text(value: str | bytes | None) -> str | None:
    return value.decode() if isinstance(value, bytes) else value


def _strings(message: Message) -> tuple[str, ...]:
    return message.string if isinstance(message.string, tuple) else (message.string,)


def _placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text.replace("%%", "")))


def _source_messages() -> set[tuple[str | None, str]]:
    """Every (context, msgid) marked in the project's Python code and templates."""
    found: set[tuple[str | None, str]] = set()
    for path in sorted(SOURCE.rglob("*")):
        if "migrations" in path.parts or "locale" in path.parts or not path.is_file():
            continue
        if path.suffix == ".py":
            code = path.read_text(encoding="utf-8")
        elif path.suffix in {".html", ".txt"} and "templates" in path.parts:
            # templatize keeps the template's indentation, which Python's tokenizer can reject;
            # every call it writes sits on one line, so dropping the indentation loses nothing.
            source = templatize(path.read_text(encoding="utf-8"), origin=str(path))
            code = "\n".join(line.lstrip() for line in source.splitlines())
        else:
            continue
        for _line, message, _comments, context in extract(
            "python", io.BytesIO(code.encode("utf-8")), keywords=KEYWORDS
        ):
            msgid = message[0] if isinstance(message, tuple) else message
            found.add((context, msgid))
    return found


def test_the_catalogue_is_fully_translated_with_nothing_fuzzy():
    catalogue = _catalogue()
    assert not catalogue.fuzzy, "the header is marked fuzzy, so pybabel would not compile the catalogue"
    assert catalogue.mime_headers and dict(catalogue.mime_headers)["Plural-Forms"] == (
        "nplurals=1; plural=0;"
    )
    messages = [m for m in catalogue if m.id]
    assert len(messages) > 100
    untranslated = [m.id for m in messages if not all(_strings(m))]
    fuzzy = [m.id for m in messages if m.fuzzy]
    assert untranslated == [], "run makemessages and translate these"
    assert fuzzy == [], "check these translations and drop their fuzzy flag"


def test_every_placeholder_survives_translation():
    broken = []
    for message in _catalogue():
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = _strings(message)
        expected = set().union(*(_placeholders(i) for i in ids))
        for string in strings:
            if set(_placeholders(string)) != expected:
                broken.append((ids[0], string))
    assert broken == []


def test_every_string_marked_in_the_source_is_in_the_catalogue():
    in_catalogue = {(m.context, m.id[0] if isinstance(m.id, tuple) else m.id) for m in _catalogue()}
    missing = sorted(_source_messages() - in_catalogue, key=str)
    assert missing == [], "run `trustdesk makemessages -l zh_Hans` and translate the new entries"


def test_the_compiled_catalogue_matches_the_source_catalogue():
    compiled = CATALOGUE.with_suffix(".mo")
    assert compiled.exists(), "the catalogue is not compiled: run `make messages`"
    with compiled.open("rb") as handle:
        # Babel's reader hands contexts back as bytes.
        shipped = {(_text(m.context), m.id): m.string for m in read_mo(handle) if m.id}
    source = {(m.context, m.id): m.string for m in _catalogue() if m.id}
    assert shipped == source, "the compiled catalogue is out of date: run `make messages`"


def test_the_login_page_is_english_by_default(client, db):
    page = client.get("/accounts/login/").content.decode()
    assert '<html lang="en">' in page
    assert "Log in to trustdesk" in page and "Username" in page
    assert 'data-testid="lang-zh-hans"' in page and "简体中文" in page


def test_choosing_chinese_turns_the_login_page_chinese(client, db):
    chosen = client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/accounts/login/"})
    assert chosen.status_code == 302 and chosen["Location"] == "/accounts/login/"
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "zh-hans"
    page = client.get("/accounts/login/").content.decode()
    assert '<html lang="zh-hans">' in page
    assert "登录 trustdesk" in page and "用户名" in page and "密码" in page
    assert "Log in to trustdesk" not in page
    assert 'data-testid="lang-en"' in page


def test_a_chinese_browser_gets_chinese_until_the_visitor_chooses_english(client, db):
    chinese = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9,en;q=0.5")
    assert "登录 trustdesk" in chinese.content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    english = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9,en;q=0.5")
    assert "Log in to trustdesk" in english.content.decode()


def test_errors_on_the_login_form_are_translated_and_keep_their_status(client, make_user, settings):
    make_user("mei", "shopper")
    client.post("/i18n/setlang/", {"language": "zh-hans"})
    wrong = client.post("/accounts/login/", {"username": "mei", "password": "not it"})
    assert wrong.status_code == 401
    assert "用户名或密码错误。" in wrong.content.decode()
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": "mei", "password": "not it"})
    locked = client.post("/accounts/login/", {"username": "mei", "password": PASSWORD})
    assert locked.status_code == 429
    assert "登录失败次数过多" in locked.content.decode()


def test_the_dashboard_is_english_by_default_and_chinese_once_chosen(staff_client, marketplace):
    client = staff_client("admin")
    english = client.get("/").content.decode()
    assert "<h1>Dashboard</h1>" in english
    assert "Active merchants" in english and ">Merchants</a>" in english

    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    chinese = client.get("/").content.decode()
    assert "<h1>仪表盘</h1>" in chinese
    assert "经营中商家" in chinese and ">商家</a>" in chinese and ">审计日志</a>" in chinese
    assert "退出登录" in chinese
    assert "Active merchants" not in chinese
    # The figures refresh themselves through HTMX; the fragment keeps the language.
    fragment = client.get("/figures/", HTTP_HX_REQUEST="true").content.decode()
    assert "近 30 天每日订单量" in fragment


def test_headings_and_status_labels_of_a_list_follow_the_language(staff_client, marketplace):
    client = staff_client("governance")
    english = client.get("/merchants/").content.decode()
    assert "Legal name" in english and ">Active</span>" in english
    client.post("/i18n/setlang/", {"language": "zh-hans"})
    chinese = client.get("/merchants/").content.decode()
    assert "企业名称" in chinese and ">正常</span>" in chinese


def test_a_users_preferred_language_applies_from_log_in(make_user):
    user = make_user("lin", "shopper")
    user.preferred_language = "zh-hans"
    user.save()
    client = Client()
    response = client.post("/accounts/login/", {"username": "lin", "password": PASSWORD})
    assert response.status_code == 302
    assert "我的订单" in client.get("/me/orders/").content.decode()
