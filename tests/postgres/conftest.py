"""A throwaway PostgreSQL server for the tests in this directory, and the suite's fixtures on it.

The session starts its own cluster (tests/helpers/pg_cluster.py: initdb in a temporary directory,
listening on a free port of 127.0.0.1 only, no Unix socket, fsync off), migrates one template
database with the real Alembic migrations, and gives each test a fresh copy of it (CREATE DATABASE
… TEMPLATE). Overriding `db_url` is all it takes: the fixtures of tests/conftest.py (settings,
services, station, app, bot) then run on PostgreSQL unchanged. At the end the server is stopped
and the directory removed.

Missing server binaries fail the tests, saying what to install: CI installs the `postgresql`
package (.ci/run).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from tests.helpers.pg_cluster import TEMPLATE, ClusterError, PgServer, cluster

__all__ = ["TEMPLATE", "PgServer"]


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """A PostgreSQL cluster of our own for the session, stopped and deleted at the end."""
    try:
        with cluster() as server:
            yield server
    except ClusterError as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture
async def db_url(pg_server: PgServer) -> AsyncIterator[str]:
    """Overrides the suite's SQLite file: a fresh copy of the migrated template database."""
    url = await pg_server.create_database()
    yield url
    await pg_server.admin(f"DROP DATABASE IF EXISTS {url.rsplit('/', 1)[1]} WITH (FORCE)")
