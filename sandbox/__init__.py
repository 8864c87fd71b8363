"""A local Telegram Bot API server and web chat, for tests, demos and benchmarks."""

from sandbox.control import RoleLookup
from sandbox.flood import FloodLimits
from sandbox.server import SandboxServer

__all__ = ["FloodLimits", "RoleLookup", "SandboxServer"]
