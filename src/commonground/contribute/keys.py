"""The partnership key: one secret shared by the partners, kept outside the lake, never logged.

Every partner pseudonymises with the same key, so the same person gets the same token in
every partner's data and the hub can link them without ever holding a name. The key file is
32 random bytes in hex; only its fingerprint (an HMAC of a fixed label) is ever shown or
stored, to check that a package was made with the partnership's key.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from commonground import settings
from commonground.errors import CommonGroundError

KEY_FILE_VAR = settings.KEY_FILE.name


class KeyError_(CommonGroundError):
    """The partnership key is missing or malformed."""


@dataclass(frozen=True)
class PartnershipKey:
    secret: bytes

    def __post_init__(self) -> None:
        if len(self.secret) < 32:
            raise KeyError_("a partnership key must be at least 32 bytes")

    @property
    def fingerprint(self) -> str:
        label = b"commonground:key-fingerprint"
        return hmac.new(self.secret, label, hashlib.sha256).hexdigest()[:16]

    def __repr__(self) -> str:  # never print the secret, even by accident
        return f"PartnershipKey(fingerprint={self.fingerprint})"


def create_key(path: Path) -> PartnershipKey:
    """Write a new random key to `path` (readable by its owner only); refuse to overwrite."""
    path = Path(path)
    if path.exists():
        raise KeyError_(f"{path} already exists; a partnership key is never overwritten")
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_bytes(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(secret.hex() + "\n")
    return PartnershipKey(secret)


def load_key(path: Path | None = None) -> PartnershipKey:
    """Load the key from `path` or $COMMONGROUND_KEY_FILE."""
    key_file = settings.current().key_file
    chosen = path or (Path(key_file) if key_file else None)
    if chosen is None:
        raise KeyError_(f"no partnership key given: pass --key FILE or set {KEY_FILE_VAR}")
    try:
        text = Path(chosen).read_text().strip()
        return PartnershipKey(bytes.fromhex(text))
    except FileNotFoundError:
        raise KeyError_(f"no partnership key file at {chosen}") from None
    except ValueError:
        raise KeyError_(f"{chosen} is not a partnership key file (expected hex)") from None


def as_key(key: PartnershipKey | Path | None) -> PartnershipKey:
    """`key` itself, or the key loaded from its file (None: $COMMONGROUND_KEY_FILE)."""
    return key if isinstance(key, PartnershipKey) else load_key(key)
