"""Files uploaded in the browser -> the loader, through the app's own connection.

The app process holds the database file, so no other process can write it while the
app runs (GUIDE 3): imports go through here. One import at a time per process.
"""
from __future__ import annotations

import tempfile
import threading
from pathlib import Path

import streamlit as st

from core.store import loader
from core.words import glossary, i18n

_IMPORT_LOCK = threading.Lock()


def file_picker(lang: str) -> list:
    """The import form's file uploader, in the reader's language around Streamlit's own words.

    Streamlit 1.67 draws "Drag and drop files here", "Upload" and "200MB per file" in English
    whatever the app's language (the frontend has no locale option and file_uploader no argument
    for them), so the label, the help and a caption below say in words what to drop and how large,
    and the Chinese caption glosses the English ones."""
    mb = i18n.fmt_int(st.get_option("server.maxUploadSize"), lang)
    files = st.file_uploader(i18n.t("data.import.files", lang), type=[f.lstrip(".") for f in loader.FORMATS],
                             accept_multiple_files=True, help=glossary.help_text("data.import.files.help", lang))
    st.caption(i18n.t("data.import.files.caption", lang, mb=mb))
    return files


class ImportBusy(RuntimeError):
    """Another session of this app is importing right now."""


def import_uploads(con, uploads: list[tuple[str, bytes]], *, source: str, user=None, scope=None) -> loader.LoadReport:
    """Stage (file name, content) pairs named `<table>.<ext>` and load them all, or nothing.

    Raises loader.LoadRejected listing every problem (nothing was changed), or ImportBusy."""
    if not _IMPORT_LOCK.acquire(blocking=False):
        raise ImportBusy()
    try:
        with tempfile.TemporaryDirectory(prefix="carbonwatch-upload-") as tmp:
            files: dict[str, Path] = {}
            duplicates = []
            for i, (name, content) in enumerate(uploads):
                path = Path(tmp) / str(i) / Path(name).name  # a browser's name never escapes the folder
                path.parent.mkdir()
                path.write_bytes(content)
                table = path.stem.lower()
                if table in files:
                    duplicates.append(loader.Problem(
                        path.name, None, None, None, "duplicate_file",
                        f"two files for the {table} table: {files[table].name} and {path.name}",
                        "keep exactly one file per table"))
                else:
                    files[table] = path
            if duplicates:
                raise loader.LoadRejected(duplicates)
            return loader.load_files(con, files, source=source, user=user, scope=scope,
                                     loaded_by=user.name if user is not None else None)
    finally:
        _IMPORT_LOCK.release()
