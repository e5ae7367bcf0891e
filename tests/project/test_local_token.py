"""``make token`` (``python -m devstack token``): an access token that the local API started
on the same port admits for exactly the scopes asked for."""

import subprocess
import sys

import pytest

from devstack.local_issuer import InvalidToken, LocalIssuer, issuer_url
from devstack.template import ROOT


def test_make_token_mints_what_the_local_pool_admits_for_its_scopes_only() -> None:
    minted = subprocess.run(
        [sys.executable, "-m", "devstack", "token", "--port", "3999", "tables/read"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    token = minted.stdout.strip()
    pool = LocalIssuer(issuer_url(3999))

    assert pool.verify(f"Bearer {token}", "tables/read")["scope"] == "tables/read"
    with pytest.raises(InvalidToken):
        pool.verify(f"Bearer {token}", "tables/write")
    with pytest.raises(InvalidToken):  # another port, another issuer
        LocalIssuer(issuer_url(3000)).verify(f"Bearer {token}", "tables/read")


def test_make_token_by_default_holds_both_scopes_for_an_hour() -> None:
    minted = subprocess.run(
        [sys.executable, "-m", "devstack", "token", "--port", "3999"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    claims = LocalIssuer(issuer_url(3999)).verify(f"Bearer {minted.stdout.strip()}", "tables/write")

    assert claims["scope"] == "tables/read tables/write"
    assert claims["exp"] - claims["iat"] == 3600
