"""A typed CallbackContext that gives handlers their services."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application, CallbackContext, ExtBot

from core.services import Services

SERVICES_KEY = "services"


class JmContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    @property
    def services(self) -> Services:
        """The services the application was built with."""
        services: Services = self.bot_data[SERVICES_KEY]
        return services


JmApp = Application[ExtBot[None], JmContext, dict[Any, Any], dict[Any, Any], dict[Any, Any], Any]
