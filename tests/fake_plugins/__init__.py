"""Small plugins that the tests install at run time, most of them misbehaving on purpose.

The code lives here, in ordinary modules; ``install`` only writes the package metadata (a ``dist-info``
folder with an ``entry_points.txt`` in the ``qn_portal.plugins`` group) into a folder put on ``sys.path``,
so that ``importlib.metadata`` discovers each plugin exactly as it discovers a real installed package.
"""

from __future__ import annotations

import importlib
from pathlib import Path

GROUP = "qn_portal.plugins"


def write_distribution(site: Path, name: str, target: str, version: str = "0.1") -> Path:
    """Declare a distribution ``qn-fake-<name>`` whose entry point ``name`` loads ``target`` (``module[:attr]``)."""
    dist_info = site / f"qn_fake_{name}-{version}.dist-info"
    dist_info.mkdir(parents=True)
    (dist_info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: qn-fake-{name}\nVersion: {version}\nSummary: a fake plugin for the tests\n",
        encoding="utf-8",
    )
    (dist_info / "entry_points.txt").write_text(f"[{GROUP}]\n{name} = {target}\n", encoding="utf-8")
    return dist_info


def installer(site: Path):
    """``install(name, target)`` for a folder already on ``sys.path`` (see the ``install`` fixtures)."""
    site.mkdir(parents=True, exist_ok=True)

    def install(name: str, target: str) -> None:
        write_distribution(site, name, target)
        importlib.invalidate_caches()  # importlib.metadata caches what it found on each sys.path entry

    return install
