"""Database URLs: credentials come in from the environment and never go out in a message.

This module owns how a database source is named. A URL is SQLAlchemy's
(``dialect[+driver]://user:password@host:port/database?option=value``); any part of it may
refer to an environment variable as ``${NAME}``, so a password can live in the environment
(or a secrets manager that fills it) instead of in a notebook or a YAML file. PostgreSQL's own
variables (``PGPASSWORD``, ``PGHOST``, ``PGUSER``, ...) work as usual when the URL leaves the
part out: libpq reads them itself.

:class:`DatabaseURL` keeps the expanded URL for connecting and a **masked** text for messages
and reports (the password and secret-looking options replaced by ``***``, rendered by
SQLAlchemy's ``URL.render_as_string(hide_password=True)``); :meth:`DatabaseURL.scrub` removes
the secrets from anything else that is about to be shown, such as a driver's error message.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from slaplan.errors import DataError

if TYPE_CHECKING:  # imported when a URL is read: sqlalchemy costs ~0.3 s at import
    from sqlalchemy.engine import URL

__all__ = ["DatabaseURL", "is_database_url", "parse_url"]

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")
_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_USERINFO = re.compile(r"(://[^:/@]*:)[^@]*@")  # the password of a URL that does not parse
_SECRET_OPTIONS = ("password", "passwd", "pwd", "secret", "token", "key", "credentials")
_MASK = "***"


def is_database_url(source: object) -> bool:
    """Whether ``source`` is a URL string (``scheme://...``) rather than a file path.

    Examples
    --------
    >>> is_database_url("postgresql://crm@db/sales"), is_database_url("exports/leads.csv")
    (True, False)
    """
    return isinstance(source, str) and bool(_SCHEME.match(source.strip()))


@dataclass(frozen=True, kw_only=True, repr=False)
class DatabaseURL:
    """A parsed database URL: what to connect to, and how to name it without its secrets.

    Attributes
    ----------
    url : sqlalchemy.URL
        The URL with every ``${NAME}`` replaced by the environment variable's value.
    shown : str
        The URL for messages and reports: password and secret options masked as ``***``.
    secrets : tuple of str
        Values that must never be shown (passwords, tokens, ``PGPASSWORD``).
    """

    url: URL
    shown: str
    secrets: tuple[str, ...]

    @property
    def dialect(self) -> str:
        """The dialect name (``"postgresql"``, ``"sqlite"``, ``"duckdb"``, ...)."""
        return self.url.get_backend_name()

    def scrub(self, text: str) -> str:
        """``text`` with every secret replaced by ``***`` (longest first)."""
        for secret in sorted(self.secrets, key=len, reverse=True):
            text = text.replace(secret, _MASK)
        return text

    def __repr__(self) -> str:
        return f"DatabaseURL({self.shown!r})"


def parse_url(text: str) -> DatabaseURL:
    """Parse ``text``, expand ``${NAME}`` variables, and build its masked name.

    Raises
    ------
    DataError
        The URL does not parse, or refers to an environment variable that is not set (the
        message names the variable, never a value).

    Examples
    --------
    >>> import os
    >>> os.environ["CRM_DB_PASSWORD"] = "s3cret"
    >>> db = parse_url("postgresql://crm:${CRM_DB_PASSWORD}@db.example.com:5432/sales")
    >>> db.shown
    'postgresql://crm:***@db.example.com:5432/sales'
    >>> db.url.password
    's3cret'
    >>> del os.environ["CRM_DB_PASSWORD"]
    """
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        raw = make_url(text.strip())
    except (ArgumentError, ValueError):
        # the parser's own message is not shown: it may quote the URL, password and all
        shown = _USERINFO.sub(rf"\1{_MASK}@", text.strip())
        raise DataError(
            f"{shown}: not a database URL; expected "
            "dialect[+driver]://user:password@host:port/database"
        ) from None
    secrets = _secrets(raw)
    url = _expand(raw)
    secrets = tuple(s for s in {*secrets, *_secrets(url), *_libpq_secrets(url)} if s)
    return DatabaseURL(url=url, shown=_masked(url), secrets=secrets)


def _expand(url: URL) -> URL:
    """``url`` with ``${NAME}`` replaced in user, password, host, database and options."""
    shown = _masked(url)

    def expand(value: str | None) -> str | None:
        if value is None or "${" not in value:
            return value

        def variable(match: re.Match) -> str:
            name = match.group(1)
            if name not in os.environ:
                raise DataError(
                    f"{shown}: environment variable {name} is not set (the URL refers to "
                    f"${{{name}}}); set it before loading"
                )
            return os.environ[name]

        return _VARIABLE.sub(variable, value)

    query = {
        key: tuple(expand(v) for v in value) if isinstance(value, tuple) else expand(value)
        for key, value in url.query.items()
    }
    return url.set(
        username=expand(url.username),
        password=expand(url.password),
        host=expand(url.host),
        database=expand(url.database),
        query=query,
    )


def _is_secret(option: str) -> bool:
    return any(word in option.casefold() for word in _SECRET_OPTIONS)


def _secrets(url: URL) -> set[str]:
    found = {url.password} if url.password else set()
    for key, value in url.query.items():
        if _is_secret(key):
            found |= set(value) if isinstance(value, tuple) else {value}
    return {str(s) for s in found if s and "${" not in str(s)}


def _libpq_secrets(url: URL) -> set[str]:
    """The password libpq would read from the environment for a PostgreSQL URL."""
    if url.get_backend_name() != "postgresql":
        return set()
    return {os.environ.get("PGPASSWORD", "")}


def _masked(url: URL) -> str:
    placeholder = "slaplanmasked0"  # URL-safe: rendering would percent-encode "***"
    hidden = {key: placeholder for key in url.query if _is_secret(key)}
    shown = url.update_query_dict(hidden).render_as_string(hide_password=True)
    return shown.replace(placeholder, _MASK)
