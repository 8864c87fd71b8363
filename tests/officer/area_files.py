"""Area files for the import tests: a small good one and the sample shipped with the product."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

from core import area_import

GOOD = dedent("""\
    staff:
      - {badge: "001", name: 王所长, role: leader}
      - {badge: "010", name: 李副所长, role: supervisor}
      - {badge: "101", name: 张警官, role: officer}
    station:
      code: ST
      name: 测试派出所
      leader: "001"
      towns:
        - code: ST-A
          name: 东街道
          supervisor: "010"
          villages:
            - {code: ST-A-1, name: 一社区, officer: "101"}
    """)
SAMPLE = Path(area_import.__file__).parent / "data" / "areas.sample.yaml"
