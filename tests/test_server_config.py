"""The server's own settings (.streamlit/config.toml), as Streamlit itself reads them."""

from __future__ import annotations

import tomllib
from pathlib import Path

from streamlit import config

ROOT = Path(__file__).resolve().parents[1]


def test_no_exception_detail_ever_reaches_a_page(monkeypatch):
    """Issue 13: an error raised outside the app's own guard (inside Streamlit's widget
    layer) showed Streamlit's traceback box to the visitor."""
    settings = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert settings["client"]["showErrorDetails"] == "none"
    monkeypatch.chdir(ROOT)  # Streamlit reads ./.streamlit/config.toml
    try:
        config.get_config_options(force_reparse=True)
        assert config.get_option("client.showErrorDetails") == "none"
        assert config.get_option("server.enableXsrfProtection") is True
    finally:
        config.get_config_options(force_reparse=True)
