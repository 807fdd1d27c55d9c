"""cityhall petitions list [--json] [--overdue] — petitions (信访) with their acceptance and handling dates."""

from cityhall.openness.management.listing import list_command
from cityhall.openness.selectors import petition_rows

Command = list_command("信访事项：列出信访事项及其受理、办结期限（list）", "没有信访事项。", petition_rows)
