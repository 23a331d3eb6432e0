"""Settings, read from DRAFTGATE_* environment variables and an optional .env file."""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.domain.rules import ChannelMode

__all__ = [
    "ConfigError",
    "DiscordSettings",
    "OpenAISettings",
    "Settings",
    "SlackSettings",
    "async_database_url",
    "get_settings",
    "load_settings",
]


class ConfigError(Exception):
    """A setting has a wrong value; the message is one line naming the variable."""


class OpenAISettings(BaseModel):
    base_url: str = "https://api.openai.com/v1"
    api_key: SecretStr = SecretStr("")
    model: str = "gpt-4o-mini"
    timeout_seconds: float = Field(default=30.0, gt=0, le=600)
    max_passages: int = Field(default=5, ge=1, le=20)


class SlackSettings(BaseModel):
    bot_token: SecretStr | None = None
    signing_secret: SecretStr | None = None
    app_token: SecretStr | None = None
    api_url: str = "https://slack.com/api/"
    review_channel: str | None = None


class DiscordSettings(BaseModel):
    bot_token: SecretStr | None = None
    api_url: str = "https://discord.com/api/v10"
    gateway_url: str | None = None
    guild_ids: list[int] = Field(default_factory=list)
    review_channel_id: int | None = None
    moderator_role_id: int | None = None


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="DRAFTGATE_",
        env_nested_delimiter="__",
        env_file=".env",
        extra="ignore",
    )

    database_url: str = "sqlite:///./draftgate.db"
    default_mode: ChannelMode = ChannelMode.CONFIRM
    shared_channel_mode: ChannelMode = ChannelMode.PRIVATE_ONLY
    draft_lifetime_minutes: int = Field(default=24 * 60, ge=1, le=30 * 24 * 60)
    max_question_chars: int = Field(default=4000, ge=100, le=100_000)
    max_draft_chars: int = Field(default=12000, ge=500, le=200_000)
    publish_lease_seconds: int = Field(default=60, ge=5, le=3600)
    db_pool_size: int = Field(default=5, ge=1, le=100)
    db_max_overflow: int = Field(default=5, ge=0, le=100)
    engine: Literal["kb", "openai"] = "kb"
    openai: OpenAISettings = Field(default_factory=OpenAISettings)
    kb_top_k: int = Field(default=4, ge=1, le=20)
    question_concurrency: int = Field(default=8, ge=1, le=1000)
    load_sample_kb: bool = True
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    web_workspace: bool = True
    slack: SlackSettings = Field(default_factory=SlackSettings)
    discord: DiscordSettings = Field(default_factory=DiscordSettings)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        async_database_url(value)
        return value

    @property
    def draft_lifetime(self) -> timedelta:
        return timedelta(minutes=self.draft_lifetime_minutes)

    @property
    def async_database_url(self) -> str:
        return async_database_url(self.database_url)

    @property
    def is_sqlite(self) -> bool:
        return self.async_database_url.startswith("sqlite")


_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "sqlite+aiosqlite": "sqlite+aiosqlite",
    "postgresql": "postgresql+asyncpg",
    "postgres": "postgresql+asyncpg",
    "postgresql+asyncpg": "postgresql+asyncpg",
    "postgresql+psycopg": "postgresql+asyncpg",
}


def async_database_url(url: str) -> str:
    """Map `sqlite:///…` and `postgresql://…` to their async drivers."""
    scheme, sep, rest = url.partition("://")
    if not sep or scheme not in _DRIVERS:
        raise ValueError(
            "must start with sqlite:/// or postgresql:// (for example sqlite:///./draftgate.db)"
        )
    return f"{_DRIVERS[scheme]}://{rest}"


def _env_name(loc: tuple[object, ...]) -> str:
    return "DRAFTGATE_" + "__".join(str(part).upper() for part in loc if isinstance(part, str))


def load_settings(**overrides: object) -> Settings:
    """Build settings, turning a validation error into one clear line."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        first = error.errors()[0]
        message = str(first.get("msg", "invalid value")).removeprefix("Value error, ")
        raise ConfigError(f"{_env_name(first['loc'])}: {message}") from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
