"""`async with` for the sandbox's servers: started on entry, stopped on exit, whatever happened."""

from __future__ import annotations

from types import TracebackType
from typing import Self


class Service:
    """A server with `start` and `stop`; subclasses get `async with` from these two."""

    async def start(self) -> None:
        """Starts serving; the subclass says how."""
        raise NotImplementedError

    async def stop(self) -> None:
        """Stops serving; the subclass says how."""
        raise NotImplementedError

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()
