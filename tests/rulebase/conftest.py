from __future__ import annotations

from pathlib import Path

import pytest

HYPOTHETICAL_2027 = """\
# Test data only: a made-up 2027 schedule, not the State Council's notice.
year: 2027
source: 测试用2027年放假安排（非官方）
holidays:
  - {name: 元旦, from: 2027-01-01, to: 2027-01-03}
makeup_working_days:
  - {name: 元旦, date: 2027-01-09}
"""


@pytest.fixture
def schedule_2027(tmp_path: Path) -> Path:
    path = tmp_path / "2027.yaml"
    path.write_text(HYPOTHETICAL_2027, encoding="utf-8")
    return path
