"""cityhall proposals list [--json] [--overdue] — deputies' suggestions and CPPCC proposals with their dates."""

from cityhall.openness.management.listing import list_command
from cityhall.openness.selectors import suggestion_rows

Command = list_command(
    "建议提案：列出人大代表建议和政协委员提案及其答复期限（list）", "没有建议提案。", suggestion_rows
)
