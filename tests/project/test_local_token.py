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
