"""The public page in a real browser: Debian's headless Chromium driven by Selenium through
Debian's chromedriver (the two come from one source package, so their versions always
match, and nothing is downloaded at run time). axe-core (tests/vendor/axe-core) checks
every page type in every language against WCAG 2.1 A and AA; a keyboard walk, phone and
desktop widths, and hostile text follow.

Waits are on the page's own load (the driver returns when `load` has fired) and on axe's
callback, with generous timeouts; nothing here sleeps or races the clock."""

from __future__ import annotations

import shutil
import struct
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from bot.public import PublicConfig
from tests.public_site import HOSTILE_NOTE, HOSTILE_THEME, HOSTILE_TITLE, build, public_server

AXE = (Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text(encoding="utf-8")
LANGS = ("fi", "sv", "en")
PAGE_TYPES = (
    "/",
    "/theme/T1",
    "/theme/T2",
    "/measure/1.1",
    "/measure/1.2",
    "/measure/1.3",
    "/data",
    "/accessibility",
    "/measure/9.9",
)
RUN_AXE = """
const done = arguments[arguments.length - 1];
axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']},
                   resultTypes: ['violations']})
  .then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact,
                                          nodes: v.nodes.map(n => n.html).slice(0, 3)}))))
  .catch(e => done([{id: 'axe failed', impact: String(e), nodes: []}]));
"""


def _binary(name: str) -> str:
    found = shutil.which(name) or shutil.which(name, path="/usr/bin:/usr/lib/chromium")
    assert found, f"{name} is missing: apt-get install chromium chromium-driver (.ci/run does)"
    return found


@pytest.fixture(scope="module")
def browser() -> Iterator[webdriver.Chrome]:
    options = webdriver.ChromeOptions()
    options.binary_location = _binary("chromium")
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1280,900",
        "--lang=fi",
        "--force-device-scale-factor=1",
    ):
        options.add_argument(argument)  # fmt: skip
    driver = webdriver.Chrome(options=options, service=Service(_binary("chromedriver")))
    driver.set_page_load_timeout(120)  # a loaded 2-core machine: generous, only on loading
    driver.set_script_timeout(120)
    yield driver
    driver.quit()


@pytest.fixture
def site(engine, tmp_path, browser) -> Iterator[str]:
    build(engine, tmp_path)
    config = PublicConfig(notes=True, contact="saavutettavuus@kaupunki.example")
    with public_server(engine, config) as url:
        yield url


def _width(browser: webdriver.Chrome, width: int, height: int, *, mobile: bool) -> None:
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile},
    )


def test_every_page_type_in_every_language_has_no_wcag_21_a_or_aa_violation(site, browser) -> None:
    _width(browser, 1280, 900, mobile=False)
    found = {}
    for lang in LANGS:
        for path in PAGE_TYPES:
            browser.get(f"{site}{path}?lang={lang}")
            assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == lang
            browser.execute_script(AXE)
            if violations := browser.execute_async_script(RUN_AXE):
                found[f"{path}?lang={lang}"] = violations
    assert found == {}


def _links(browser: webdriver.Chrome) -> list[str]:
    return browser.execute_script(
        "return [...document.querySelectorAll('a[href]')].map(a => a.outerHTML)"
    )


@pytest.mark.parametrize("path", ["/?lang=fi", "/measure/2.1?lang=sv", "/theme/T1?lang=en"])
def test_the_keyboard_alone_reaches_every_link_in_order_with_focus_visible(
    site, browser, path
) -> None:
    _width(browser, 1280, 900, mobile=False)
    browser.get(f"{site}{path}")
    expected = _links(browser)
    assert len(expected) > 8
    reached = []
    for _ in expected:  # from the freshly loaded document, the keyboard alone
        ActionChains(browser).send_keys(Keys.TAB).perform()
        focused = browser.switch_to.active_element
        reached.append(focused.get_attribute("outerHTML"))
        outline = browser.execute_script(
            "const s = getComputedStyle(arguments[0]);"
            "return [s.outlineStyle, parseFloat(s.outlineWidth)];",
            focused,
        )
        assert outline[0] != "none" and outline[1] >= 2, (reached[-1], outline)
        box = focused.rect
        assert box["width"] > 0 and box["height"] > 0, reached[-1]  # the skip link shows too
    assert reached == expected
    skip = browser.find_element(By.CSS_SELECTOR, "a.skip")
    browser.execute_script("arguments[0].focus()", skip)
    ActionChains(browser).send_keys(Keys.ENTER).perform()
    assert browser.switch_to.active_element.get_attribute("id") == "main"


@pytest.mark.parametrize(("width", "mobile"), [(390, True), (1280, False)])
def test_the_overview_fits_a_phone_and_a_desktop_without_sideways_scrolling(
    site, browser, tmp_path, width, mobile
) -> None:
    _width(browser, width, 844 if mobile else 900, mobile=mobile)
    for lang in LANGS:
        browser.get(f"{site}/?lang={lang}")
        sizes = browser.execute_script(
            "const d = document.documentElement;"
            "return [d.scrollWidth, d.clientWidth, window.innerWidth,"
            " Math.max(...[...document.querySelectorAll('main *')]"
            "   .map(e => e.getBoundingClientRect().right))];"
        )
        scroll, client, inner, rightmost = sizes
        assert inner == width
        assert scroll <= client, (lang, sizes)
        assert rightmost <= client + 0.5, (lang, sizes)
        shot = tmp_path / f"overview-{lang}-{width}.png"
        assert browser.save_screenshot(str(shot))
        png = shot.read_bytes()
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        assert struct.unpack(">I", png[16:20])[0] == width  # the width the reader sees


def test_hostile_titles_and_notes_are_inert_in_the_browser(site, browser) -> None:
    _width(browser, 1280, 900, mobile=False)
    for path in ("/theme/T1?lang=fi", "/measure/1.2?lang=fi", "/theme/T2?lang=en", "/?lang=sv"):
        browser.get(f"{site}{path}")
        with pytest.raises(NoAlertPresentException):
            browser.switch_to.alert.text  # noqa: B018  (an alert would mean script ran)
        counts = browser.execute_script(
            "return [document.scripts.length, document.images.length,"
            " document.querySelectorAll('style, b, [onerror]').length,"
            " document.body.offsetHeight]"
        )
        assert counts[:3] == [0, 0, 0], path
        assert counts[3] > 100, path  # the hostile <style> hid nothing
    browser.get(f"{site}/measure/1.2?lang=fi")
    assert HOSTILE_TITLE in browser.find_element(By.TAG_NAME, "h1").text
    assert HOSTILE_TITLE in browser.title
    assert HOSTILE_NOTE in browser.find_element(By.CSS_SELECTOR, "table.history").text
    browser.get(f"{site}/theme/T2?lang=fi")
    assert HOSTILE_THEME in browser.find_element(By.TAG_NAME, "h1").text
