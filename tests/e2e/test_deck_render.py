"""The briefing deck as a reader sees it: rendered by LibreOffice (headless) to images, and its
province map compared with the screen's colour key (core.words.colour_key, the app's tile map).

Runs where LibreOffice (`soffice`) and poppler's `pdftoppm` are installed (`make e2e` tries to
install them with apt); skipped with the reason otherwise, under CI too (a 300 MB office suite is
not worth a CI minute). The rendered slides are kept in tests/e2e/artifacts/deck_*.png.
"""
from __future__ import annotations

import dataclasses
import shutil
import subprocess

import pytest
from PIL import Image
from pptx import Presentation
from pptx.util import Emu

from core.export import briefing
from tests.e2e import browser
from tests.unit.test_briefing import app_map, make_briefing, screen_provinces

SOFFICE, PDFTOPPM = shutil.which("soffice"), shutil.which("pdftoppm")
pytestmark = pytest.mark.skipif(not (SOFFICE and PDFTOPPM), reason=(
    "LibreOffice or poppler-utils missing: `apt-get install libreoffice-impress poppler-utils` "
    "(make e2e tries) to render the deck"))
MAP_SLIDE = 3  # 0-based: title, what changed, headline, provinces
TOLERANCE = 12  # per channel: anti-aliasing and colour management move a flat fill a few levels


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    h = hex_colour.lstrip("#")
    return tuple(int(h[i:i + 2], 16) for i in (0, 2, 4))


@pytest.fixture(scope="module", params=["en", "zh"])
def rendered(request, tmp_path_factory):
    """(lang, the deck, the map slide as an image) for the hand-built screen frame of test_briefing."""
    lang = request.param
    df = screen_provinces()
    b = dataclasses.replace(make_briefing(lang), provinces=briefing.province_frame(df, lang))
    folder = tmp_path_factory.mktemp(f"deck_{lang}")
    pptx = folder / "deck.pptx"
    pptx.write_bytes(briefing.to_pptx(b))
    subprocess.run([SOFFICE, "--headless", "--norestore", f"-env:UserInstallation=file://{folder}/profile",
                    "--convert-to", "pdf", "--outdir", str(folder), str(pptx)],
                   check=True, capture_output=True, timeout=180)
    subprocess.run([PDFTOPPM, "-r", "80", "-png", str(folder / "deck.pdf"), str(folder / "slide")],
                   check=True, capture_output=True, timeout=120)
    slides = sorted(folder.glob("slide-*.png"))
    deck = Presentation(str(pptx))
    assert len(slides) == len(deck.slides)  # every slide rendered
    browser.ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for i, png in enumerate(slides, start=1):
        shutil.copyfile(png, browser.ARTIFACTS / f"deck_{lang}_{i}.png")
    return lang, df, deck, Image.open(slides[MAP_SLIDE]).convert("RGB")


def _at(image: Image.Image, deck, shape, fx: float, fy: float) -> tuple[int, int, int]:
    """The rendered colour at a fraction (fx, fy) of a shape's box."""
    scale = image.width / Emu(deck.slide_width)
    return image.getpixel((int((shape.left + fx * shape.width) * scale), int((shape.top + fy * shape.height) * scale)))


def test_the_rendered_map_shows_the_screens_colour_key(rendered):
    lang, df, deck, image = rendered
    _, app_legend, app_tiles = app_map(df, lang)
    shapes = {s.name: s for s in deck.slides[MAP_SLIDE].shapes}
    in_scope = set(df.province_code[df.in_scope])
    tiles = {name.removeprefix("tile "): s for name, s in shapes.items() if name.startswith("tile ")}
    assert set(tiles) == in_scope
    for code, shape in tiles.items():  # a corner of each tile, clear of its label
        got, want = _at(image, deck, shape, 0.1, 0.12), _rgb(app_tiles[code][0])
        assert max(abs(a - b) for a, b in zip(got, want)) <= TOLERANCE, (code, got, app_tiles[code][0])
    for i, (label, colour) in enumerate(app_legend):  # and the key beside it, swatch by swatch
        swatch = shapes[f"legend swatch {i}"]
        assert shapes[f"legend label {i}"].text_frame.text == label
        got = _at(image, deck, swatch, 0.5, 0.5)
        assert max(abs(a - b) for a, b in zip(got, _rgb(colour))) <= TOLERANCE, (label, got, colour)
