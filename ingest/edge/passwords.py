"""Device passwords: random generation and Mosquitto 2.x `$7$` PBKDF2-SHA512 hashes, made and checked in Python."""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

# Mosquitto's own defaults (mosquitto_passwd 2.x): 101 rounds, 12-byte salt, 64-byte SHA-512 output. Stretching
# protects passwords people choose; ours are 192 random bits, so more rounds would only slow every CONNECT
# (a broker restart makes every device reconnect at once) without making a guess any more feasible.
ITERATIONS = 101
SALT_BYTES = 12
HASH_BYTES = 64
PASSWORD_BYTES = 24


def new_password() -> str:
    """192 random bits in URL-safe base64 (A-Z a-z 0-9 - _): fits in an MQTT_URL without escaping."""
    return secrets.token_urlsafe(PASSWORD_BYTES)


def _digest(password: str, salt: bytes, iterations: int, length: int = HASH_BYTES) -> bytes:
    return hashlib.pbkdf2_hmac("sha512", password.encode("utf-8"), salt, iterations, length)


def hash_password(password: str, salt: bytes | None = None, iterations: int = ITERATIONS) -> str:
    """`$7$iterations$salt$hash` with standard base64, as mosquitto_passwd writes it."""
    salt = secrets.token_bytes(SALT_BYTES) if salt is None else salt
    digest = _digest(password, salt, iterations)
    return f"$7${iterations}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def verify(password: str, encoded: str) -> bool:
    """True when `encoded` is a `$7$` hash of `password`; False for any other or malformed hash."""
    parts = encoded.split("$")
    if len(parts) != 5 or parts[0] != "" or parts[1] != "7" or not parts[2].isdigit():
        return False
    try:
        salt = base64.b64decode(parts[3], validate=True)
        expected = base64.b64decode(parts[4], validate=True)
    except ValueError:
        return False
    if not expected or int(parts[2]) < 1:
        return False
    return hmac.compare_digest(_digest(password, salt, int(parts[2]), len(expected)), expected)
