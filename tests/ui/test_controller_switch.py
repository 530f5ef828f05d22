"""While a run trains, the controller shortens CPython's GIL switch interval (the training
thread and the GUI thread then wait less for each other) and puts it back afterwards."""

import sys

import pytest

from nnstudio.ui import controller as controller_module
from nnstudio.ui.controller import TrainingController
from ui_helpers import small_project


@pytest.fixture
def original_interval():
    before = sys.getswitchinterval()
    yield before
    sys.setswitchinterval(before)


def test_short_interval_only_while_running(qtbot, original_interval):
    c = TrainingController(small_project(epochs=5000))
    try:
        c.reset()
        assert sys.getswitchinterval() == pytest.approx(original_interval)       # idle
        c.play()
        assert sys.getswitchinterval() == pytest.approx(controller_module.SWITCH_INTERVAL)
        c.pause()
        assert sys.getswitchinterval() == pytest.approx(original_interval)
        c.play()
        assert sys.getswitchinterval() == pytest.approx(controller_module.SWITCH_INTERVAL)
    finally:
        c.shutdown()                      # closing the window while it trains
    assert sys.getswitchinterval() == pytest.approx(original_interval)


def test_a_finished_run_gives_the_interval_back(qtbot, original_interval):
    c = TrainingController(small_project(epochs=1))
    try:
        c.play()
        qtbot.waitUntil(lambda: c.state == "finished", timeout=5000)
        assert sys.getswitchinterval() == pytest.approx(original_interval)
    finally:
        c.shutdown()


def test_two_controllers_share_the_setting_until_both_stop(qtbot, original_interval):
    a, b = TrainingController(small_project(epochs=5000)), TrainingController(small_project(epochs=5000))
    try:
        a.play()
        b.play()
        a.pause()
        assert sys.getswitchinterval() == pytest.approx(controller_module.SWITCH_INTERVAL)   # b trains
        b.pause()
        assert sys.getswitchinterval() == pytest.approx(original_interval)
    finally:
        a.shutdown()
        b.shutdown()


def test_none_leaves_the_interpreter_alone(qtbot, original_interval, monkeypatch):
    monkeypatch.setattr(controller_module, "SWITCH_INTERVAL", None)
    c = TrainingController(small_project(epochs=5000))
    try:
        c.play()
        assert sys.getswitchinterval() == pytest.approx(original_interval)
    finally:
        c.shutdown()
