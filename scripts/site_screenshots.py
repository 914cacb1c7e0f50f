"""Screenshots of the site for the README: docs/site-index.png, site-record.png, site-source.png.

python scripts/site_screenshots.py [--record TABLE/ID] [--source SOURCE_ID]

Builds the site from this checkout into a temporary folder and photographs it in Debian's
headless Chromium through Playwright (.ci/browser-deps installs both).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from nzdefence.cli import main as nzdefence

REPO = Path(__file__).resolve().parents[1]
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--record", default="agreements/nz-aukus-pillar-two")
    parser.add_argument("--source", default="000_80944da66ceb52dd")
    parser.add_argument(
        "--at", default="evidence-1099-1185", help="a span of the source"
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        site = Path(folder) / "site"
        if nzdefence(["site", str(site), str(REPO)]):
            return 1
        shots = [
            ("index.html", "site-index.png", 1200, 1600),
            (f"{args.record}.html", "site-record.png", 1200, 1500),
            (f"sources/{args.source}.html", "site-source.png", 1000, 1250),
        ]
        with sync_playwright() as driver:
            browser = driver.chromium.launch(
                executable_path="/usr/bin/chromium", args=ARGS
            )
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            for address, name, width, height in shots:
                page.set_viewport_size({"width": width, "height": height})
                page.goto((site / address).as_uri())
                page.screenshot(path=REPO / "docs" / name)
                print(f"wrote docs/{name}")
            browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
