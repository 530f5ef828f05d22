"""Scroll areas around the window's panels and views: they scroll when there is less room
than their content needs, rather than forcing their window larger or squeezing the content."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QSize
from PySide6.QtWidgets import QScrollArea, QWidget


class DockScrollArea(QScrollArea):
    """A dock's content that scrolls when the dock is smaller than it, rather than forcing
    the window larger (or squeezing the other docks)."""

    def __init__(self, widget: QWidget) -> None:
        super().__init__()
        self.setWidgetResizable(True)
        self.setFrameShape(QScrollArea.NoFrame)
        self.setWidget(widget)


class FormScrollArea(DockScrollArea):
    """Scrolls a panel's form. It asks for the form's whole width (the default layout
    gives it that); squeezed narrower, a horizontal scroll bar appears rather than fields
    cut off at the dock's edge."""

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        hint = super().sizeHint()
        return QSize(max(hint.width(), self.form_width()), hint.height())

    def form_width(self) -> int:
        """Room for the form's fields and a vertical scroll bar beside them."""
        room = self.verticalScrollBar().sizeHint().width() + 2 * self.frameWidth()
        return self.widget().minimumSizeHint().width() + room


class ViewScrollArea(DockScrollArea):
    """A plot view in the bottom tabs, scrolling when its dock is smaller than the view.

    A tab group is as tall as the tallest minimum among its tabs, those behind the one in
    front too: the softmax view's held every window at least 581 px tall, taller than a 1080p
    screen at 200 % (540 px). This area asks for the view's width but hardly any height; the
    window gives the views the height they need while the diagram has room
    (MainWindow._fit_views), and ``on_least_change`` hears when a view needs another.

    The view fills the area down to its own minimum size, as it filled the dock before. (Qt's
    resizable scroll area would keep a view with wrapped text at its preferred height for the
    width, scrolling a plot that fitted.)"""

    def __init__(self, view: QWidget, on_least_change) -> None:
        super().__init__(view)
        self.setWidgetResizable(False)
        self._on_least_change = on_least_change
        self._least = QSize()
        self._bar_room = 0
        view.installEventFilter(self)

    def least_size(self) -> QSize:
        """The view's own minimum: smaller than this, it scrolls."""
        view = self.widget()
        return view.minimumSizeHint().expandedTo(view.minimumSize())

    def least_height(self) -> int:
        return self.least_size().height()

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt API
        hint = super().minimumSizeHint()
        return QSize(max(hint.width(), self.least_size().width() + self._bar_room), hint.height())

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return self.widget().sizeHint().expandedTo(self.least_size()) + QSize(2, 2) * self.frameWidth()

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(event)
        self._fit_view()

    def event(self, event) -> bool:
        if event.type() == QEvent.Type.ParentChange and self.parentWidget() is not None:
            self.parentWidget().installEventFilter(self)   # the dock: moved in front (see below)
        return super().event(event)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt API
        if watched is self.parentWidget() and event.type() == QEvent.Type.Move:
            self._fit_view()           # a tab brought to the front (or sent behind) is moved
        elif watched is self.widget() and event.type() == QEvent.Type.LayoutRequest:
            self._fit_view()
            least = self.least_size()
            if least != self._least:
                if least.width() != self._least.width():
                    self.updateGeometry()          # the dock's minimum width is the view's
                if least.height() != self._least.height():
                    self._on_least_change()
                self._least = least
        return super().eventFilter(watched, event)

    def _fit_view(self) -> None:
        """The view as large as the area, but not below its minimum (then a scroll bar shows,
        taking room from the other direction). A tab behind others keeps the size it had (it
        is moved off the window, its size not kept up to date): its view is laid out at that
        size, as it was in the dock itself, and again with the scroll bars once in front."""
        least = self.least_size()
        room = self.maximumViewportSize()          # the area without scroll bars
        width, height = room.width(), room.height()
        behind = self.visibleRegion().isEmpty()
        bar_width = self.verticalScrollBar().sizeHint().width()
        bar_height = self.horizontalScrollBar().sizeHint().height()
        if not behind:
            if least.height() > height:
                width -= bar_width
            if least.width() > width:
                height -= bar_height
                if least.height() > height and least.height() <= room.height():
                    width -= bar_width             # the vertical bar comes with the horizontal
        size = QSize(max(width, least.width()), max(height, least.height()))
        if self.widget().size() != size:
            self.widget().resize(size)
        if behind:
            return
        # scrolling down, the area asks for the scroll bar's width too (not a horizontal bar
        # as well for the view's last pixels)
        bar_room = bar_width if least.height() > room.height() else 0
        if bar_room != self._bar_room:
            self._bar_room = bar_room
            self.updateGeometry()
