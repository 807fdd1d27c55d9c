"""The demo server (script/server): the development settings with DEBUG off, so that people trying the demo see
the pages a real deployment shows (our Chinese 404/403/500), not Django's debug pages."""

from .dev import *  # noqa: F403

DEBUG = False
# Demo accounts with a published password may be loaded here (cityhall demo load), never in production.
CITYHALL_DEMO = True
