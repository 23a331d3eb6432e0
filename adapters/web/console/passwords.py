"""Password hashing (argon2id) and the password policy."""

from __future__ import annotations

import asyncio
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

__all__ = ["MAX_PASSWORD", "MIN_PASSWORD", "PasswordRejected", "check_policy", "hash_password", "needs_rehash",
           "verify_password", "waste_time"]

MIN_PASSWORD, MAX_PASSWORD = 12, 256


class PasswordRejected(ValueError):
    """The password does not meet the policy; the message says why."""


@lru_cache(maxsize=1)
def _hasher() -> PasswordHasher:
    return PasswordHasher()  # argon2id with the library's RFC 9106 "low memory" profile


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher().hash("draftgate: not a real password, used to keep timing even")


def check_policy(password: str, *, username: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise PasswordRejected(f"The password must be at least {MIN_PASSWORD} characters long.")
    if len(password) > MAX_PASSWORD:
        raise PasswordRejected(f"The password must be at most {MAX_PASSWORD} characters long.")
    if password.strip() != password or not password.strip():
        raise PasswordRejected("The password must not start or end with spaces.")
    if username and username.lower() in password.lower():
        raise PasswordRejected("The password must not contain the user name.")
    if len(set(password)) < 5:
        raise PasswordRejected("The password is too repetitive.")


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(_hasher().hash, password)


def _verify(stored: str, password: str) -> bool:
    try:
        return _hasher().verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


async def verify_password(stored: str, password: str) -> bool:
    """Constant work whether or not the password matches (argon2 runs in a worker thread)."""
    if len(password) > MAX_PASSWORD:
        password = password[:MAX_PASSWORD + 1]
    return await asyncio.to_thread(_verify, stored, password)


async def waste_time(password: str) -> None:
    """Spend the time a real verification takes (unknown user), so timing does not tell."""
    await verify_password(_dummy_hash(), password)


def needs_rehash(stored: str) -> bool:
    try:
        return _hasher().check_needs_rehash(stored)
    except InvalidHashError:
        return True
