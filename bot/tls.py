"""One TLS context for all of the process's HTTP clients.

Making one reads the whole CA bundle (some 30 ms of CPU), and the bot has three clients:
python-telegram-bot's two (updates, and everything else) and meetergo's. A context may be
shared by any number of clients.
"""

from __future__ import annotations

import ssl
from functools import cache

import httpx

__all__ = ["tls_context"]


@cache
def tls_context() -> ssl.SSLContext:
    """What httpx would make for each client (certifi's CAs, or SSL_CERT_FILE / SSL_CERT_DIR
    where set), made once."""
    return httpx.create_ssl_context()
