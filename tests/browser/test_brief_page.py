"""The HTML brief in real headless Chromium (Debian's ``chromium`` and ``chromium-driver``).

The seeds brief, its model replayed from ``cassettes/seeds.yaml``, is written to a file and
opened; a click on a figure must mark its evidence in the articles and bring it into view.
A screenshot goes to ``bench/screenshots/brief.png``. Skipped, saying why, only where no
Chromium can be had (``.ci/run`` installs it).
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from browser.scripted import scripted_llm
from storysum import summarize
from storysum.articles import make_article
from storysum.config import EMBEDDED_MODEL_NAME, Settings
from storysum.html import to_html
from storysum.models import Brief
from storysum.pipeline import asummarize

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT = ROOT / "bench" / "screenshots" / "brief.png"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
    "--window-size=1400,900",
]

missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not Path(p).exists()]
pytestmark = pytest.mark.skipif(
    bool(missing),
    reason=f"no {' or '.join(missing)}: install Debian's chromium and chromium-driver "
    "(as root: apt-get install chromium chromium-driver; .ci/run does)",
)


@pytest.fixture
def allowed_hosts() -> list[str]:
    # chromedriver, which selenium reaches on localhost (either loopback address).
    return ["127.0.0.1", "::1"]


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def seeds_cassette(vcr_cassette_dir: str, record_mode: str | None) -> None:
    """Fail at once, saying why, when there is no recording to replay (rather than after
    every LLM call has been retried against a dead address)."""
    path = Path(vcr_cassette_dir) / "seeds.yaml"
    if record_mode in (None, "none") and not path.exists():
        pytest.fail(f"{path} is missing: re-record it (README, Development)")


def _visible(driver: Any, element: Any) -> dict[str, Any]:
    """Where ``element`` is, and whether it is what the viewport shows at its centre."""
    return dict(
        driver.execute_script(
            """
            const el = arguments[0], r = el.getBoundingClientRect();
            const pane = el.closest('.pane').getBoundingClientRect();
            const x = r.left + Math.min(r.width / 2, 4), y = r.top + r.height / 2;
            const hit = document.elementFromPoint(x, y);
            return {top: r.top, bottom: r.bottom, height: window.innerHeight,
                    paneTop: pane.top, paneBottom: pane.bottom,
                    onTop: hit === el || el.contains(hit),
                    background: getComputedStyle(el).backgroundColor};
            """,
            element,
        )
    )


def test_clicking_a_figure_marks_its_evidence_in_every_article_and_shows_it(
    browser, tmp_path, seeds_cassette, seeds_dir
):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from recording import cassette, llm_endpoint

    # Only the pipeline's LLM calls are replayed; the driver's calls to chromedriver are not.
    with cassette("seeds.yaml", "none"), llm_endpoint("none") as url:
        settings = Settings.resolve(env={}, base_url=url, model=EMBEDDED_MODEL_NAME, concurrency=4)
        brief = summarize([seeds_dir], settings=settings)
    assert brief.figures, "the seeds brief has no figures"
    page = tmp_path / "brief.html"
    page.write_text(to_html(brief), encoding="utf-8")
    browser.get(page.as_uri())
    errors = [e for e in browser.get_log("browser") if e.get("level") == "SEVERE"]
    assert not errors, errors  # no CSP violation, no failed fetch, no script error

    # The figure stated by the most articles, so the marks span several of them.
    best = max(range(len(brief.figures)), key=lambda i: len(brief.figures[i].sources))
    figure = brief.figures[best]
    item = browser.find_elements(By.CSS_SELECTOR, ".figure[data-item]")[best]
    item_id = item.get_attribute("data-item")
    assert figure.value in item.text
    marks = browser.find_elements(By.CSS_SELECTOR, f'mark[data-i~="{item_id}"]')
    assert marks and not [m for m in marks if "on" in m.get_attribute("class").split()]

    item.click()
    WebDriverWait(browser, 5).until(lambda d: d.find_elements(By.CSS_SELECTOR, "mark.cur"))
    on = browser.find_elements(By.CSS_SELECTOR, "mark.on")
    assert {m.id for m in on} == {m.id for m in marks}  # exactly this item's evidence
    carrying = {
        m.find_element(By.XPATH, "ancestor::article").get_attribute("data-article") for m in on
    }
    assert carrying == {s.article_id for s in figure.sources}
    assert "".join(m.text for m in on if m in marks)  # non-empty highlighted text
    assert any(
        s.span.text in "".join(m.text for m in on) or s.span.text in m.text
        for s in figure.sources
        for m in on
    )

    current = browser.find_element(By.CSS_SELECTOR, "mark.cur")
    where = _visible(browser, current)
    assert where["onTop"], where  # scrolled into view, and nothing covers it
    assert where["paneTop"] <= where["top"] and where["bottom"] <= where["paneBottom"], where
    assert where["top"] >= 0 and where["bottom"] <= where["height"], where
    assert where["background"] == "rgb(255, 154, 60)", where  # the current mark's colour
    others = [m for m in on if "cur" not in m.get_attribute("class").split()]
    if others:  # the item's other marks: the 'on' colour, not the idle yellow
        assert _visible(browser, others[-1])["background"] == "rgb(255, 176, 32)"
    anchors = len({(s.article_id, s.span.start) for s in figure.sources})
    assert browser.find_element(By.ID, "pos").text == f"1 / {anchors}"

    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(SCREENSHOT))
    assert SCREENSHOT.stat().st_size > 10_000

    # The next mark, in another place; the bar follows.
    browser.find_element(By.ID, "next").click()
    nxt = browser.find_element(By.CSS_SELECTOR, "mark.cur")
    assert nxt.id != current.id and _visible(browser, nxt)["onTop"]
    assert browser.find_element(By.ID, "pos").text == f"{min(2, anchors)} / {anchors}"


def test_markup_in_an_article_is_shown_as_text_and_never_runs(browser, tmp_path):
    from selenium.webdriver.common.by import By

    text = (
        "Officials said 4,500 Marines arrived on Monday, the ministry reported to the press.\n\n"
        '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2"> '
        "The harbour held 30 ships, officials said on Monday morning at the port."
    )
    article = make_article(text, source="evil.txt", outlet="<i>Evil</i>")
    brief: Brief = asyncio.run(
        asummarize([article], llm=scripted_llm(), settings=Settings.resolve(env={}))
    )
    page = tmp_path / "evil.html"
    page.write_text(to_html(brief), encoding="utf-8")
    browser.get(page.as_uri())
    assert browser.execute_script("return window.__pwned === undefined")
    assert browser.execute_script("return document.images.length") == 0
    shown = browser.find_element(By.CSS_SELECTOR, "article .text").text
    assert "<script>window.__pwned = 1</script>" in shown
    assert "<i>Evil</i>" in browser.find_element(By.CSS_SELECTOR, "article .outlet").text
