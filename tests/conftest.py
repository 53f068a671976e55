"""Fixtures every test folder may use: a real PostgreSQL server, one database per test."""

from __future__ import annotations

import asyncio
import concurrent.futures
import itertools
import os
from collections.abc import Iterator

import asyncpg
import pytest

from tests.support.postgres import REQUIRED_ENV, NoPostgres, PostgresServer, running_postgres

_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """One server for the whole run, started on first use."""
    try:
        with running_postgres() as server:
            yield server
    except NoPostgres as error:
        if os.environ.get(REQUIRED_ENV):
            pytest.fail(f"PostgreSQL is required here ({REQUIRED_ENV}) but: {error}")
        pytest.skip(f"PostgreSQL tests skipped: {error}")


@pytest.fixture
def database_url(postgres: PostgresServer) -> str:
    """The URL of a new, empty database."""
    name = f"test_{os.getpid()}_{next(_numbers)}"

    async def create() -> None:
        admin = await asyncpg.connect(postgres.url())
        try:
            await admin.execute(f'CREATE DATABASE "{name}"')
        finally:
            await admin.close()

    # A loop of its own in a thread: this fixture may be asked for from inside a running loop
    # (an async fixture choosing its store).
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, create()).result()
    return postgres.url(name)
