"""make start's own user pool, for ``ApiAuth=COGNITO``: it signs access tokens shaped like
Amazon Cognito's, and the local API checks them as API Gateway's Cognito authorizer does.

The key pair is made once and kept in ``.local/auth/`` (never committed), so a token minted
by ``make token`` works across restarts until it expires. Its public half is served as the
issuer's JWKS, at ``<issuer>/.well-known/jwks.json`` as Cognito serves a pool's.
"""

import hashlib
import os
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from devstack.template import ROOT

KEY_DIR = ROOT / ".local" / "auth"
# The path of the local pool on the local API: its issuer is http://127.0.0.1:<port> + this.
POOL_PATH = "/local-user-pool"
JWKS_PATH = f"{POOL_PATH}/.well-known/jwks.json"
# The local pool's one app client, standing in for the stack's WebClient and MachineClient.
CLIENT_ID = "localclient"
LOCAL_USER = "local-user"
SCOPES = ("tables/read", "tables/write")
ACCESS = "access"  # (the token_use of an access token; an ID token's is "id")


class InvalidToken(Exception):
    """A token the authorizer refuses (API Gateway's 401 UNAUTHORIZED); the message says why,
    for the local log only, as API Gateway tells a caller nothing more than 401."""


def issuer_url(port: int, host: str = "127.0.0.1") -> str:
    return f"http://{host}:{port}{POOL_PATH}"


@dataclass
class LocalIssuer:
    issuer: str
    key_dir: Path = KEY_DIR
    _private_key: rsa.RSAPrivateKey = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._private_key = _load_or_make_key(self.key_dir / "issuer-key.pem")

    @property
    def key_id(self) -> str:
        public = self._private_key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return hashlib.sha256(public).hexdigest()[:16]

    def jwks(self) -> dict[str, Any]:
        key = jwt.algorithms.RSAAlgorithm.to_jwk(self._private_key.public_key(), as_dict=True)
        return {"keys": [{**key, "kid": self.key_id, "alg": "RS256", "use": "sig"}]}

    def mint(
        self,
        scopes: tuple[str, ...] | list[str],
        username: str = LOCAL_USER,
        lifetime: int = 3600,
        client_id: str = CLIENT_ID,
        token_use: str = ACCESS,
    ) -> str:
        """An access token as Cognito issues one to a signed-in user: ``sub``, ``username``,
        ``client_id``, ``scope`` (space-separated) and ``token_use`` ``access``."""
        now = int(time.time())
        claims = {
            "sub": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{self.issuer}/{username}")),
            "iss": self.issuer,
            "client_id": client_id,
            "token_use": token_use,
            "scope": " ".join(scopes),
            "auth_time": now,
            "iat": now,
            "exp": now + lifetime,
            "jti": str(uuid.uuid4()),
            "username": username,
        }
        return jwt.encode(claims, self._private_key, algorithm="RS256", headers={"kid": self.key_id})

    def verify(self, authorization: str | None, scope: str) -> dict[str, Any]:
        """The claims of a valid access token holding ``scope``, from an ``Authorization``
        header (the token alone, or after ``Bearer``), as API Gateway's Cognito authorizer
        with ``AuthorizationScopes`` checks it: signature, expiry, issuer, an access token
        (not an ID token) of the pool's client, and the scope."""
        if not authorization:
            raise InvalidToken("no Authorization header")
        token = authorization.removeprefix("Bearer ").strip()
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                self._private_key.public_key(),
                algorithms=["RS256"],
                issuer=self.issuer,
                options={"require": ["exp", "iss", "sub", "token_use"], "verify_aud": False},
            )
        except jwt.PyJWTError as err:
            raise InvalidToken(str(err)) from err
        if claims["token_use"] != ACCESS:
            raise InvalidToken(f"a {claims['token_use']} token where the route asks for an access token")
        if claims.get("client_id") != CLIENT_ID:
            raise InvalidToken(f"client {claims.get('client_id')!r} is not one of the pool's")
        if scope not in str(claims.get("scope", "")).split():
            raise InvalidToken(f"the token's scopes {claims.get('scope')!r} do not include {scope}")
        return claims


def _load_or_make_key(path: Path) -> rsa.RSAPrivateKey:
    if not path.is_file():
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        write_once(path, pem)
    loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(loaded, rsa.RSAPrivateKey):
        raise ValueError(f"{path} holds no RSA key: delete it, and make start makes a new one")
    return loaded


def write_once(path: Path, content: bytes) -> None:
    """Make ``path`` readable by its owner only, unless it exists: of two processes starting
    at once (the tests' workers), the first one's file stands and both read it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
    draft.touch(mode=0o600)
    draft.write_bytes(content)
    try:
        os.link(draft, path)
    except FileExistsError:
        pass
    finally:
        draft.unlink()
