"""The GUI thread's load meter stretches the views' redraw intervals while the window's
work is over budget, and lets them go back when it is under."""

from __future__ import annotations

import pytest

from nnstudio.ui.views import pacing
from nnstudio.ui.views.loss import LossView
from nnstudio.ui.views.pacing import BUDGET, MAX_STRETCH, WINDOW, GuiLoad

from test_views_support import FakeController, iris_session, shown, tabbed_docks


class Clock:
    def __init__(self) -> None:
        self.wall = 100.0
        self.cpu = 5.0

    def run(self, seconds: float, busy: float) -> None:
        """``seconds`` pass, the GUI thread busy for ``busy`` of them."""
        self.wall += seconds
        self.cpu += seconds * busy


def meter():
    clock = Clock()
    return clock, GuiLoad(cpu=lambda: clock.cpu, wall=lambda: clock.wall)


def overloaded_meter():
    """A meter after three windows of a fully busy GUI thread (stretched, under the cap)."""
    clock, load = meter()
    load.sample()
    for _ in range(3):
        clock.run(WINDOW, busy=1.0)
        load.sample()
    return clock, load


def test_over_budget_stretches_step_by_step_up_to_the_cap():
    clock, load = meter()
    load.sample()                                   # starts a window
    stretches = []
    for _ in range(8):
        clock.run(WINDOW, busy=3 * BUDGET)
        load.sample()
        stretches.append(load.stretch())
    assert load.share == pytest.approx(3 * BUDGET)
    assert stretches[0] == pytest.approx(1.5) and stretches[1] == pytest.approx(2.25)
    assert stretches == sorted(stretches) and stretches[-1] == MAX_STRETCH


def test_samples_inside_a_window_change_nothing_and_light_load_relaxes():
    clock, load = overloaded_meter()
    high = load.stretch()
    clock.run(WINDOW / 10, busy=0.0)
    load.sample()
    assert load.stretch() == high                    # too short to judge
    clock.run(WINDOW, busy=0.0)
    load.sample()
    assert load.stretch() == pytest.approx(high / 1.5)
    clock.run(WINDOW, busy=BUDGET * 0.8)             # within budget: stays where it is
    load.sample()
    assert load.stretch() == pytest.approx(high / 1.5)
    for _ in range(6):
        clock.run(WINDOW, busy=0.01)
        load.sample()
    assert load.stretch() == 1.0


def test_a_long_pause_between_samples_forgets_the_stretch():
    clock, load = overloaded_meter()
    assert load.stretch() > 1
    clock.run(30.0, busy=0.0)                        # paused: no deliveries for a while
    assert load.stretch() == 1.0                     # stepping while paused redraws at once
    load.sample()
    assert load.stretch() == 1.0
    for _ in range(3):
        clock.run(WINDOW, busy=1.0)
        load.sample()
    assert load.stretch() > 1                        # training again, over budget again


class RunningController(FakeController):
    """The stand-in controller, saying it trains (the views sample the load only then)."""
    state = "running"


def test_a_view_redraws_later_while_the_gui_is_over_budget(qtbot, monkeypatch):
    clock, load = meter()
    monkeypatch.setattr(pacing, "_load", load)
    ctl = RunningController()
    view = shown(qtbot, LossView(ctl))
    ctl.start(iris_session())
    view._redraw_now()
    redraws = []
    monkeypatch.setattr(view, "redraw", lambda: redraws.append(1))
    load.sample()
    for _ in range(4):                               # the window thread was busy all along
        clock.run(WINDOW, busy=1.0)
        load.sample()
    assert load.stretch() > 3
    view._last_redraw -= view.min_interval * 1.5    # due at its own pace, not at the stretched one
    ctl.train(3)
    assert not redraws and view._timer.isActive()
    wait = view._timer.remainingTime() / 1000
    assert wait == pytest.approx(view.min_interval * (load.stretch() - 1.5), abs=0.05)
    view._timer.stop()                       # no redraw after the test's fake clock is gone


def test_heavy_steps_rest_between_them_only_while_a_run_trains(qtbot, monkeypatch):
    import time

    from nnstudio.ui.views.pacing import HEAVY_SHARE, WorkQueue

    clock, load = meter()
    monkeypatch.setattr(pacing, "_load", load)
    queue = WorkQueue()
    ran = []

    def slow(name):
        def step():
            start = time.perf_counter()
            time.sleep(0.02)                 # a 20 ms chunk of heavy work
            ran.append((name, start, time.perf_counter()))
        return step

    queue.queue("a", 1, slow("a"))
    queue.queue("b", 1, slow("b"))
    qtbot.waitUntil(lambda: len(ran) == 2)
    assert queue._timer.interval() == 0      # nothing trains: a step every pass
    load.sample()                             # deliveries arrive: a run trains
    queue.queue("c", 1, slow("c"))
    queue.queue("d", 1, slow("d"))
    qtbot.waitUntil(lambda: len(ran) == 4)
    (_, _, c_end), (_, d_start, _) = ran[2][:3], ran[3][:3]
    assert d_start - c_end >= 0.9 * 0.02 * (1 / HEAVY_SHARE - 1)     # rested 3 × the step's time
    clock.run(30.0, busy=0.0)                 # long after the run stopped
    queue.queue("e", 1, slow("e"))
    assert queue._timer.interval() == 0
    qtbot.waitUntil(lambda: len(ran) == 5)
    assert [r[0] for r in ran] == ["a", "b", "c", "d", "e"]


def test_on_screen_is_remembered_briefly_and_forgotten_when_a_tab_is_raised(qtbot, monkeypatch):
    from nnstudio.ui.views import base

    ctl = FakeController()
    first, second = LossView(ctl), LossView(ctl)
    win, docks = tabbed_docks(qtbot, (first, second))
    qtbot.waitUntil(lambda: second.on_screen())
    monkeypatch.setattr(base, "ON_SCREEN_TTL", 0.0)           # always ask Qt
    assert not first.on_screen() and second.on_screen()
    monkeypatch.setattr(base, "ON_SCREEN_TTL", 60.0)          # remember for a minute
    calls = []
    real = type(first).visibleRegion
    monkeypatch.setattr(type(first), "visibleRegion", lambda self: calls.append(self) or real(self))
    for _ in range(5):
        assert not first.on_screen()
    assert len(calls) <= 1                                     # asked Qt once, not five times
    docks[0].raise_()                                          # brought to the front: painted
    qtbot.waitUntil(lambda: first.on_screen(), timeout=3000)   # known at once, despite the minute
