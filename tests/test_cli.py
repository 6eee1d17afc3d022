"""The `trustdesk` command as a user runs it: real processes, real exit codes, real output."""

from __future__ import annotations

import os

import pytest
from conftest import run_cli


@pytest.fixture(scope="module")
def cli_env(tmp_path_factory) -> dict[str, str]:
    var = tmp_path_factory.mktemp("var")
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(TRUSTDESK_DEBUG="true", TRUSTDESK_VAR_DIR=str(var), TRUSTDESK_TESTING="")
    run_cli(["migrate", "--noinput"], env)
    return env


def test_token_create_prints_the_token_alone_on_its_last_line(cli_env):
    out = run_cli(
        ["token", "create", "--name", "shop-backend", "--scopes", "orders:read,orders:write"],
        cli_env,
    )
    bearer = out.stdout.strip().splitlines()[-1]
    assert bearer.startswith("td_") and " " not in bearer
    listed = run_cli(["token", "list"], cli_env).stdout
    assert "shop-backend\torders:read,orders:write\tactive" in listed
    assert bearer not in listed


def test_scopes_all_expands_to_every_scope(cli_env):
    from trustdesk.accounts.scopes import SCOPES

    out = run_cli(["token", "create", "--name", "everything", "--scopes", "all"], cli_env)
    assert ",".join(sorted(SCOPES)) in out.stdout


def test_an_unknown_scope_exits_non_zero_with_one_readable_line(cli_env):
    out = run_cli(
        ["token", "create", "--name", "bad", "--scopes", "orders:read,teleport"],
        cli_env,
        check=False,
    )
    assert out.returncode != 0
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "unknown scope(s): teleport" in lines[0]
    assert "bad" not in run_cli(["token", "list"], cli_env).stdout


def test_revoking_twice_is_harmless_and_unknown_names_fail(cli_env):
    run_cli(["token", "create", "--name", "temp", "--scopes", "orders:read"], cli_env)
    assert "revoked" in run_cli(["token", "revoke", "--name", "temp"], cli_env).stdout
    assert run_cli(["token", "revoke", "--name", "temp"], cli_env).returncode == 0
    missing = run_cli(["token", "revoke", "--name", "ghost"], cli_env, check=False)
    assert missing.returncode != 0 and "no token named 'ghost'" in missing.stderr


def test_the_app_refuses_to_start_with_placeholder_secrets_outside_debug(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRUSTDESK_")}
    env["TRUSTDESK_VAR_DIR"] = str(tmp_path)
    out = run_cli(["check"], env, check=False)
    assert out.returncode == 2
    [line] = out.stderr.splitlines()
    assert line.startswith("trustdesk: configuration error: TRUSTDESK_SECRET_KEY is the placeholder")


def test_the_app_starts_outside_debug_with_real_secrets(tmp_path):
    from trustdesk.core.pii import new_key

    env = {k: v for k, v in os.environ.items() if not k.startswith("TRUSTDESK_")}
    env.update(
        TRUSTDESK_VAR_DIR=str(tmp_path),
        TRUSTDESK_SECRET_KEY="s" * 50,
        TRUSTDESK_PII_KEY=new_key(),
        TRUSTDESK_PII_INDEX_KEY="i" * 40,
        TRUSTDESK_ALLOWED_HOSTS="trust.example.com",
    )
    out = run_cli(["check", "--deploy", "--fail-level", "ERROR"], env, check=False)
    assert out.returncode == 0, out.stderr


def test_secrets_can_come_from_files(tmp_path):
    secret_file = tmp_path / "secret"
    secret_file.write_text("f" * 50)
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRUSTDESK_")}
    env.update(
        TRUSTDESK_VAR_DIR=str(tmp_path),
        TRUSTDESK_SECRET_KEY_FILE=str(secret_file),
        TRUSTDESK_PII_KEY="only-a-placeholder-would-fail-here-so-use-a-real-one",
        TRUSTDESK_PII_INDEX_KEY="i" * 40,
    )
    out = run_cli(["check"], env, check=False)
    assert "TRUSTDESK_SECRET_KEY" not in out.stderr
