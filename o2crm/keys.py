"""Keys that stand for a user where no session can (API tokens, calendar feed addresses):
random, url-safe, and stored only as their SHA-256."""

import hashlib
import secrets


def new_key() -> str:
    return secrets.token_urlsafe(32)


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()
