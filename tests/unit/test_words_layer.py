"""No language choice outside core/words: the words layer is the one place that knows which language
reads how (catalogues, Babel formats, words functions), so adding a language is adding a catalogue
folder, not finding every `if lang == "zh"` in the pages.

Outside core/words an offender is a comparison of the language (a name `lang` or `*_lang`, an
attribute `.lang`, or a name assigned from such a comparison, like `zh = lang == "zh"`) with a
string, a test on such a derived name (`x if zh else y`), and a language code ("en", "zh") written
as a literal anywhere but as a key of a dict display (language-keyed data such as a font per
language is fine).
"""
from __future__ import annotations

import ast
from pathlib import Path

from core.words import i18n

ROOT = Path(__file__).resolve().parents[2]
WORDS = ROOT / "core" / "words"


def _product_files() -> list[Path]:
    files = [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py")), *sorted((ROOT / "core").rglob("*.py"))]
    return [f for f in files if WORDS not in f.parents]


def _is_lang(node: ast.AST, derived: set[str]) -> bool:
    if isinstance(node, ast.Name):
        return node.id == "lang" or node.id.endswith("_lang") or node.id in derived
    return isinstance(node, ast.Attribute) and node.attr == "lang"


def _is_text(node: ast.AST) -> bool:
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return any(_is_text(e) for e in node.elts)
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def _lang_compare(node: ast.AST, derived: set[str]) -> bool:
    if not isinstance(node, ast.Compare):
        return False
    operands = [node.left, *node.comparators]
    return any(_is_lang(o, derived) for o in operands) and any(_is_text(o) for o in operands)


def language_choices(path: Path) -> list[str]:
    """'file:line: source' for every language choice in one Python file."""
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source, filename=str(path))
    derived = {t.id for n in ast.walk(tree) if isinstance(n, ast.Assign) and _lang_compare(n.value, set())
               for t in n.targets if isinstance(t, ast.Name)}
    dict_keys = {id(k) for n in ast.walk(tree) if isinstance(n, ast.Dict) for k in n.keys if k is not None}
    lines: set[int] = set()
    for node in ast.walk(tree):
        if _lang_compare(node, derived):
            lines.add(node.lineno)
        elif isinstance(node, (ast.If, ast.IfExp, ast.While)) and isinstance(node.test, ast.Name) \
                and node.test.id in derived:
            lines.add(node.test.lineno)
        elif isinstance(node, ast.UnaryOp) and isinstance(node.operand, ast.Name) and node.operand.id in derived:
            lines.add(node.lineno)
        elif isinstance(node, ast.BoolOp) and any(isinstance(v, ast.Name) and v.id in derived for v in node.values):
            lines.add(node.lineno)
        elif isinstance(node, ast.Constant) and node.value in i18n.LANGS and id(node) not in dict_keys:
            lines.add(node.lineno)
    text = source.splitlines()
    shown = path.relative_to(ROOT) if ROOT in path.parents else path
    return [f"{shown}:{n}: {text[n - 1].strip()}" for n in sorted(lines)]


def test_no_language_choice_outside_the_words_layer():
    offenders = [o for f in _product_files() for o in language_choices(f)]
    assert offenders == [], "language choices outside core/words:\n" + "\n".join(offenders)


def test_the_check_finds_a_planted_choice(tmp_path):
    planted = tmp_path / "planted.py"
    planted.write_text(
        "def f(lang, page, df):\n"
        "    sep = '、' if lang == 'zh' else ', '\n"          # 2: a comparison
        "    zh = page.lang != 'en'\n"                        # 3: a comparison on an attribute
        "    col = 'name_zh' if zh else 'name_en'\n"          # 4: a derived name as a test
        "    names = df['zh']\n"                              # 5: a language code as a literal
        "    fonts = {'en': 'Calibri', 'zh': 'YaHei'}\n"      # data keyed by language: fine
        "    return f'name_{lang}', fonts[lang], lang in ('en',)\n",  # 7: membership in literals
        encoding="utf-8")
    found = language_choices(planted)
    assert [int(o.split(":")[1]) for o in found] == [2, 3, 4, 5, 7], found
