"""components.ui.metrics without a server: nothing to silence, and no error."""

from __future__ import annotations

from components.ui.metrics import silence_metrics


def test_without_a_running_server_there_is_nothing_to_remove():
    assert silence_metrics() == 0
    assert silence_metrics() == 0  # and again: never raises


def test_a_running_servers_statistics_manager_is_emptied(monkeypatch):
    """On Streamlit's own StatsManager (a renamed attribute in an upgrade fails here,
    not only in the browser test)."""
    from types import SimpleNamespace

    from streamlit.runtime import Runtime
    from streamlit.runtime.stats import StatsManager

    class Provider:
        stats_families = ("active_sessions",)

        def get_stats(self, family_names=None):
            return {}

    manager = StatsManager()
    manager.register_provider(Provider())
    assert manager.registered_families() == ["active_sessions"]
    monkeypatch.setattr(Runtime, "exists", classmethod(lambda cls: True))
    monkeypatch.setattr(
        Runtime, "instance", classmethod(lambda cls: SimpleNamespace(stats_mgr=manager))
    )
    assert silence_metrics() == 1
    assert manager.registered_families() == []
