"""Writes to the calendar tables. Each service runs in one transaction."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction

from cityhall.org.memo import forget
from cityhall.rules.calendar import DayKind
from cityhall.rules.schedule_file import ScheduleFile
from cityhall.workflow import audit

from .models import OfficialDay, OfficialYear
from .signals import calendar_year_loaded


@dataclass(frozen=True)
class LoadResult:
    year: int
    created: bool
    holidays: int
    makeup_working_days: int


def official_year_load(*, schedule: ScheduleFile, actor: AbstractBaseUser | AnonymousUser | None) -> LoadResult:
    """Load (or replace) one year's official schedule, atomically."""
    parsed = schedule.to_schedule()
    with audit.atomic():
        year, created = OfficialYear.objects.select_for_update().get_or_create(
            year=schedule.year, defaults={"source": schedule.source}
        )
        year.source = schedule.source
        year.published_on = schedule.published_on
        year.loaded_by = actor if actor is not None and actor.is_authenticated else None  # type: ignore[assignment]
        year.save()
        year.days.all().delete()
        OfficialDay.objects.bulk_create(
            [OfficialDay(schedule=year, date=d, kind=DayKind.HOLIDAY.value, name=n) for d, n in parsed.holidays.items()]
            + [
                OfficialDay(schedule=year, date=d, kind=DayKind.MAKEUP_WORKING_DAY.value, name=n)
                for d, n in parsed.makeup_working_days.items()
            ]
        )
        forget()  # bulk_create sends no signal: the memoised calendar revision must go too
        transaction.on_commit(lambda: calendar_year_loaded.send(sender=OfficialYear, year=schedule.year))
    return LoadResult(
        year=schedule.year,
        created=created,
        holidays=len(parsed.holidays),
        makeup_working_days=len(parsed.makeup_working_days),
    )
