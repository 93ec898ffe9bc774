"""Chinese is the source language; every UI string must also exist in English."""

import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"

pytestmark = pytest.mark.timeless


def _po_entries() -> dict[str, str]:
    text = (CATALOGUE / "django.po").read_text(encoding="utf-8")
    entries = {}
    for block in text.split("\n\n"):
        if "#, fuzzy" in block and 'msgid ""\nmsgstr ""' not in block:
            entries[f"FUZZY:{block}"] = ""
        msgid = re.search(r'^msgid ((?:".*"\n?)+)', block, re.M)
        msgstr = re.search(r'^msgstr(?:\[0\])? ((?:".*"\n?)+)', block, re.M)
        if msgid and msgstr:
            key = "".join(re.findall(r'"(.*)"', msgid.group(1)))
            if key:
                entries[key] = "".join(re.findall(r'"(.*)"', msgstr.group(1)))
    return entries


def test_every_string_has_an_english_translation():
    untranslated = [k for k, v in _po_entries().items() if not v]
    assert untranslated == []


def test_the_compiled_catalogue_matches_the_source():
    with open(CATALOGUE / "django.mo", "rb") as f:
        compiled = gettext.GNUTranslations(f)._catalog
    compiled_ids = {k if isinstance(k, str) else k[0] for k in compiled if k}
    source_ids = {
        k.encode().decode("unicode_escape").encode("latin-1").decode() for k in _po_entries()
    }
    assert source_ids <= compiled_ids, "run `make messages` to recompile"


def _marked_strings() -> set[str]:
    """Strings marked for translation in templates ({% translate "…" %}) and code (_("…")),
    found by a plain scan; blocktranslate and multi-line strings are left to makemessages."""
    base = Path(settings.BASE_DIR)
    found: set[str] = set()
    for path in base.glob("templates/**/*.html"):
        found |= set(re.findall(r"""{% translate ["']([^"']+)["']""", path.read_text("utf-8")))
    for path in base.glob("*/*.py"):
        if "tests" in path.parts or ".venv" in path.parts:
            continue
        found |= set(re.findall(r'\b_\("([^"\\]+)"\)', path.read_text("utf-8")))
    return found


def test_every_marked_string_is_in_the_catalogue():
    missing = sorted(_marked_strings() - set(_po_entries()))
    assert missing == [], "run `make messages` and translate the new strings"


@pytest.mark.parametrize(
    ("language", "label", "shown"),
    [
        ("zh-hans", "职务", "职务："),
        ("zh-hans", "是否已立项？", "是否已立项？"),  # no "？："
        ("en", "Title", "Title: "),
        ("en", "Is there a project?", "Is there a project?"),
    ],
)
def test_a_label_gets_the_languages_colon_once(language, label, shown):
    from django.utils import translation

    from o2crm.templatetags.labels import with_colon

    with translation.override(language):
        assert with_colon(label) == shown
