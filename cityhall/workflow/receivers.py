from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from cityhall.rulebase.signals import calendar_year_loaded

from .services import deadlines_recompute_provisional


@receiver(calendar_year_loaded)
def recompute_provisional_deadlines(sender: Any, year: int, **kwargs: Any) -> None:
    deadlines_recompute_provisional(year=year)
