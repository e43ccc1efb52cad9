"""components.ui.metrics without a server: nothing to silence, and no error."""

from __future__ import annotations

from components.ui.metrics import silence_metrics


def test_without_a_running_server_there_is_nothing_to_remove():
    assert silence_metrics() == 0
    assert silence_metrics() == 0  # and again: never raises
