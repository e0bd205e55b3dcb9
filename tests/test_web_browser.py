"""The search page in a real headless browser: Debian's chromium driven by Playwright (its
own browser download is not used). Served by uvicorn on a free loopback port over an index of
the bundled fixture.

``make test`` installs chromium as root (best effort); without a browser this test skips and
says why. ``NEWSEARCH_SCREENSHOTS=1`` also writes docs/img/web-search.png.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from newsearch.index import NewsIndex
from newsearch.web import create_app

ROOT = Path(__file__).resolve().parent.parent
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
EVIL = {
    "id": "evil",
    "title": 'خبر <img src=x onerror="document.title=1"> مريب',
    "body": "نص <script>document.title = 'pwned'</script> مريب",
    "url": "javascript:document.title='pwned'",
    "source": "BBC",
    "published": "2018-01-01",
}


def find_chromium() -> str | None:
    names = ("chromium", "chromium-browser")
    for candidate in ("/usr/bin/chromium", *(shutil.which(n) for n in names)):
        if candidate and Path(candidate).exists():
            return candidate
    return None


@pytest.fixture(scope="module")
def server(fixture_index_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    import uvicorn

    path = tmp_path_factory.mktemp("browser") / "ix"
    shutil.copytree(fixture_index_dir, path)
    ix = NewsIndex.open(path)
    ix.upsert(EVIL)
    ix.commit()
    app = create_app(path, refresh_interval=0)
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    t0 = time.perf_counter()
    while not srv.started:
        assert thread.is_alive() and time.perf_counter() - t0 < 20, "uvicorn did not start"
        time.sleep(0.02)
    port = srv.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}/"
    srv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    chromium = find_chromium()
    if chromium is None:
        pytest.skip(
            "no chromium browser found: `make test` installs Debian's chromium when run as root "
            "(apt-get install chromium)"
        )
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, args=ARGS)
        yield b
        b.close()


def test_search_page_end_to_end(server: str, browser: Any) -> None:
    from playwright.sync_api import expect

    shots = os.environ.get("NEWSEARCH_SCREENSHOTS") == "1"
    context = browser.new_context(locale="ar", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(server)
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("html")).to_have_attribute("lang", "ar")
    expect(page.locator("#stats")).to_contain_text("269")

    # Type an Arabic query: highlighted results, facet counts.
    page.fill("#q", "كوريا الشمالية")
    page.press("#q", "Enter")
    hits = page.locator("#results .hit")
    expect(hits.first).to_be_visible()
    assert hits.count() == 10
    marks = page.locator("#results .hit mark")
    expect(marks.first).to_be_visible()
    assert any(w in marks.first.inner_text() for w in ("كوري", "الشمالية"))
    bbc = page.locator('#facet-source button[data-value="BBC"]')
    bbc_count = int(bbc.locator(".count").inner_text())
    assert bbc_count > 0
    if shots:
        page.screenshot(path=str(ROOT / "docs" / "img" / "web-search.png"))

    # A source filter: only that source, as many results as its facet said.
    bbc.click()
    expect(page.locator("#active-filters")).to_contain_text("بي بي سي")
    expect(page.locator("#summary")).to_contain_text(f"{bbc_count} نتيجة")
    assert "source=BBC" in page.url
    badges = page.locator("#results .hit .badge:not(.cat)")
    assert set(badges.all_inner_texts()) == {"بي بي سي"}

    # A date filter on top of it.
    page.fill("#date-from", "2018-05-01")
    page.fill("#date-to", "2018-12-31")
    page.click("#date-form button")
    expect(page.locator("#active-filters")).to_contain_text("2018-05-01")
    dates = page.locator("#results .hit time").evaluate_all(
        "els => els.map(e => e.getAttribute('datetime'))"
    )
    assert dates and all("2018-05-01" <= d[:10] <= "2018-12-31" for d in dates)
    # Removing the filters again.
    page.locator("#active-filters button", has_text="مسح الكل").click()
    expect(page.locator("#active-filters")).to_be_empty()

    # Open an article: its text, and related news.
    first = page.locator("#results .hit a.title").first
    title = first.inner_text()
    first.click()
    expect(page.locator("#article-view")).to_be_visible()
    expect(page.locator(".article-title")).to_have_text(title)
    assert page.locator(".article-body p").count() > 0
    related = page.locator("#related ol li")
    expect(related.first).to_be_visible()
    page.click("#back")
    expect(page.locator("#results-view")).to_be_visible()
    expect(page.locator("#q")).to_have_value("كوريا الشمالية")

    # "Did you mean": a misspelled name is respelled, and the suggestion is a link.
    page.fill("#q", "تيلرسونن")
    page.press("#q", "Enter")
    link = page.locator("#suggestion-link")
    expect(link).to_be_visible()
    link.click()
    expect(page.locator("#q")).to_have_value("تيلرسون")
    expect(hits.first).to_be_visible()

    # Hostile stored text stays text; a javascript: URL is not a link.
    page.fill("#q", "مريب")
    page.press("#q", "Enter")
    expect(hits.first).to_contain_text("<img")
    assert page.locator("#results img, #results script").count() == 0
    hits.first.locator("a.title").click()
    expect(page.locator(".article-title")).to_contain_text("<img")
    expect(page.locator(".article-body")).to_contain_text("<script>")
    expect(page.locator("a.original")).to_be_hidden()
    assert page.title() not in ("1", "pwned")
    assert not errors, errors
    context.close()
