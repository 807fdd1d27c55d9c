from django.dispatch import Signal

# Sent after a year's official schedule is loaded or replaced, with ``year``.
# The deadlines engine listens to recompute provisional deadlines.
calendar_year_loaded = Signal()
