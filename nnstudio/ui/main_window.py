"""The studio's main window: the diagram in the middle, panels and views in docks.

The window owns the project document, the undo stack and the training controller, and
keeps them in step: after every edit it checks the project against the engine and the
data (marking problems on the diagram and disabling Play), and hands a valid project to
the controller, which starts a fresh run (a learning-rate change alone goes to the
running trainer instead). An edit that would throw away a run's progress asks first.
"""

from __future__ import annotations

import contextlib
import dataclasses
import html
import os

from PySide6.QtCore import QByteArray, QCoreApplication, QEvent, QSettings, Qt, QTimer
from PySide6.QtWidgets import (QApplication, QDockWidget, QHBoxLayout, QLabel, QMainWindow,
                               QMessageBox, QPushButton, QTabBar, QVBoxLayout,
                               QWidget)

from nnstudio.data import load as load_dataset
from nnstudio.data import with_absolute_paths, with_paths_moved
from nnstudio.project.document import ProjectDocument
from nnstudio.project.history import RunHistory
from nnstudio.project.model import Project, default_project
from nnstudio.ui.about import AboutDialog, about_text
from nnstudio.ui.templates import templates
from nnstudio.ui.commands import Editor, move_dataset_entries
from nnstudio.ui.controller import TrainingController
from nnstudio.ui.dataset_texts import dataset_title
from nnstudio.ui.diagram import DiagramView
from nnstudio.ui.export_dialog import ViewExportMenu
from nnstudio.ui.file_actions import ProjectFiles
from nnstudio.ui.inspector import LayerInspector
from nnstudio.ui.messages import describe_error, divergence_hint, divergence_message
from nnstudio.ui.panels import DatasetPanel, TrainingPanel
from nnstudio.ui.scroll_areas import DockScrollArea, FormScrollArea, ViewScrollArea
from nnstudio.ui.status import TrainingStatus
from nnstudio.ui.window_actions import SPEED_DELAYS, build_actions

from nnstudio.ui.stepthrough import StepThroughView
from nnstudio.ui.views import create_views

ORGANIZATION = "nnstudio"
APPLICATION = "nnstudio"
#: bump when docks are added, removed or renamed: an old saved layout is then ignored
LAYOUT_VERSION = 2
FIRST_CHECK_DELAY_MS = 30         # let the window paint before the first data set loads
# how long saving waits for a training worker to park before it copies the weights (a step
# takes milliseconds; a big convolutional step at batch 1000 under a second)
PARK_SECONDS = 5.0
MIN_DIAGRAM_WIDTH = 400           # a squeezed side panel takes width back only beyond this
# the plot views are as tall as their tallest tab needs while the diagram keeps this much
# height; in a shorter window (960×540: a 1080p projector at 200 %) they scroll instead
MIN_DIAGRAM_HEIGHT = 120
WEIGHT_REQUEST_MS = 250           # the diagram asks for weights at most 4 times a second
STEP_SHARE = 0.6                  # of the window's height the step-through takes in step mode


def _tr(text: str) -> str:
    return QCoreApplication.translate("MainWindow", text)


def default_settings() -> QSettings:
    return QSettings(QSettings.IniFormat, QSettings.UserScope, ORGANIZATION, APPLICATION)


def list_datasets_safely() -> list:
    try:
        from nnstudio.data import list_datasets
        from nnstudio.ui.download_dialog import present_downloads
        return list(list_datasets()) + present_downloads()   # downloaded sets too
    except Exception:  # noqa: BLE001 - the window still opens without the data layer
        return []


def parameter_copies(session) -> dict:
    """Copies of the session network's parameters, for the diagram's weight lines (read only
    while the worker is parked or gone)."""
    return {k: v.copy() for k, v in session.network.parameters().items()}


class Banner(QWidget):
    """A closable message strip above the diagram (divergence, failures)."""

    def __init__(self) -> None:
        super().__init__()
        self.setStyleSheet("background: #FFF1D6; color: #4A3000;")
        self.setAutoFillBackground(True)
        layout = QHBoxLayout(self)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        layout.addWidget(self.label, 1)
        close = QPushButton(_tr("Dismiss"))
        close.clicked.connect(self.hide)
        layout.addWidget(close)
        self.hide()

    def show_message(self, text: str) -> None:
        self.label.setText(text)
        self.show()


class MainWindow(QMainWindow):
    def __init__(self, project: Project | None = None, *, settings: QSettings | None = None,
                 loader=None) -> None:
        super().__init__()
        self.setObjectName("nnstudio_main_window")
        self.settings = settings if settings is not None else default_settings()
        self.doc = ProjectDocument(project or default_project())
        self.editor = Editor(self.doc, before_edit=lambda: self.confirm_reset())
        self.undo_stack = self.editor.stack
        self.controller = TrainingController(None, loader=loader or self.load_project_dataset, parent=self)
        self.datasets = list_datasets_safely()
        self.problems: list = []
        self.history = RunHistory()
        self._template: Project | None = None
        self._pending_weights = None
        self._height_before_step: int | None = None        # the bottom docks' height outside step mode
        self._view_before_step: QDockWidget | None = None  # the view in front before step mode
        self._step_wait = 0                                # the latest Step-Through press waiting to enter
        self._opened_history: RunHistory | None = None     # the last history a file brought
        self._history_to_continue: RunHistory | None = None  # … for the run its weights start
        self._latest_weights = None      # the newest weights a snapshot carried this run
        self._project_dir: str | None = None
        self._last_valid = self.doc.to_project() if not self.doc.problems() else default_project()
        self.data_error: str | None = None
        self.loading = False
        self.actions_by_name: dict = {}
        self.compare_window = None          # Run → Compare Variants…, made when first asked for
        self.docks: dict[str, QDockWidget] = {}
        self._views_relaxed = False      # step mode: the views' heights are not kept
        self._fit_pending = False

        self.diagram_view = DiagramView(self.doc, self.editor)
        self.banner = Banner()
        centre = QWidget()
        column = QVBoxLayout(centre)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.banner)
        column.addWidget(self.diagram_view, 1)
        self.setCentralWidget(centre)
        # the side columns run the full height; plots and the step-through sit under the diagram
        self._use_normal_layout()

        self.inspector = LayerInspector(self.doc, self.editor)
        self.dataset_panel = DatasetPanel(self.doc, self.editor, self.datasets,
                                          loaded=self.controller.peek_dataset)
        self.training_panel = TrainingPanel(self.doc, self.editor, self._train_size)
        self.files = self._make_files()
        build_actions(self)
        self._add_dock("dataset", _tr("Data Set"), self.dataset_panel, Qt.LeftDockWidgetArea, FormScrollArea)
        self._add_dock("inspector", _tr("Layer"), self.inspector, Qt.RightDockWidgetArea, FormScrollArea)
        self._add_dock("training", _tr("Optimizer && Training"), self.training_panel,
                       Qt.RightDockWidgetArea, FormScrollArea)
        # side form docks, and those the user sized (see eventFilter)
        self._form_docks = [d for d in self.docks.values() if isinstance(d.widget(), FormScrollArea)]
        self._user_sized: set = set()
        for dock in self._form_docks:
            dock.installEventFilter(self)
        self.views = self._add_views()
        self.stepthrough = self._add_stepthrough()
        self.status = TrainingStatus(self.statusBar())
        self._fill_templates()

        self.view_menu.addSeparator()
        self.view_menu.addAction(_tr("Reset &Layout"), self.reset_layout)
        self.diagram_view.nodeActivated.connect(self._focus_inspector)
        self.diagram_view.message.connect(lambda text: self.statusBar().showMessage(text, 5000))
        self.diagram_view.diagram.currentLayerChanged.connect(self._on_current_layer)
        self.diagram_view.diagram.weightLinesShown.connect(self._show_current_weights)
        self.diagram_view.diagram.selectionChanged.connect(self._on_selection)
        self.doc.changed.connect(self._schedule_sync)
        self.undo_stack.canUndoChanged.connect(self.actions_by_name["undo"].setEnabled)
        self.undo_stack.canRedoChanged.connect(self.actions_by_name["redo"].setEnabled)
        self.undo_stack.undoTextChanged.connect(self._show_undo_text)   # bound: gone with the window
        self.undo_stack.redoTextChanged.connect(self._show_redo_text)
        self.doc.changed.connect(self.files.mark_modified)
        self.training_panel.learningRateChanged.connect(self.controller.set_learning_rate)
        self.controller.snapshots.connect(self._on_snapshots)
        self.controller.datasetReady.connect(lambda _entry: self._schedule_sync())
        self.controller.runStarted.connect(self._on_run_started)
        self.controller.stateChanged.connect(self._on_state)
        self.controller.diverged.connect(self._on_diverged)
        self.controller.failed.connect(self._on_failed)
        self.controller.finished.connect(lambda: self.statusBar().showMessage(_tr("Training finished"), 5000))
        self._weights_timer = QTimer(self)
        self._weights_timer.setInterval(WEIGHT_REQUEST_MS)
        self._weights_timer.timeout.connect(self._request_weights)
        self._sync_pending = False
        self._shown_once = False     # the first check (and MNIST load) waits for the window

        self.actions_by_name["undo"].setEnabled(False)
        self.actions_by_name["redo"].setEnabled(False)
        self.resize(1280, 800)
        self._default_dock_sizes()
        self._default_state = self.saveState(LAYOUT_VERSION)
        self.restore_layout()
        self._update_actions()

    def _show_undo_text(self, text: str) -> None:
        """"Undo Add Dropout layer": the menu says what an undo would take back."""
        self.actions_by_name["undo"].setText(_tr("&Undo %s") % text if text else _tr("&Undo"))

    def _show_redo_text(self, text: str) -> None:
        self.actions_by_name["redo"].setText(_tr("&Redo %s") % text if text else _tr("&Redo"))

    def showEvent(self, event) -> None:  # noqa: N802
        super().showEvent(event)
        self._unelide_dock_tabs()
        self._schedule_fit_views()
        if not self._shown_once:
            self._shown_once = True
            QTimer.singleShot(FIRST_CHECK_DELAY_MS, self._schedule_sync)

    # ------------------------------------------------------------------ docks
    def _add_dock(self, name: str, title: str, widget: QWidget, area, scroll=None) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock_{name}")
        if scroll is not None:   # a scroll area for the content: larger than the dock, it scrolls
            widget = scroll(widget)
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        self.docks[name] = dock
        self.view_menu.addAction(dock.toggleViewAction())
        return dock

    def _add_views(self) -> list:
        try:
            views = list(create_views(self.controller))
        except Exception as err:  # noqa: BLE001 - a broken view must not stop the studio
            self.banner.show_message(_tr("The plots could not be created: %s") % err)
            return []
        first = None
        for i, view in enumerate(views):
            dock = self._add_dock(f"view_{type(view).__name__}_{i}", view.title(), view,
                                  Qt.BottomDockWidgetArea,
                                  lambda v: ViewScrollArea(v, self._schedule_fit_views))
            ViewExportMenu(view)         # right-click a plot: export it (owned by the view)
            if first is None:
                first = dock
            else:
                self.tabifyDockWidget(first, dock)
        if first is not None:
            first.raise_()
        return views

    def _add_stepthrough(self):
        try:
            view = StepThroughView(self.controller)
        except Exception as err:  # noqa: BLE001
            self.banner.show_message(_tr("The step-through could not be created: %s") % err)
            return None
        dock = self._add_dock("stepthrough", _tr("Step-Through"), view, Qt.BottomDockWidgetArea,
                              DockScrollArea)
        views = [d for n, d in self.docks.items() if n.startswith("view_")]
        if views:
            self.tabifyDockWidget(views[-1], dock)   # one bottom area, a tab per view
            views[0].raise_()
        dock.hide()
        view.layerFocused.connect(self.diagram_view.highlight_layer)
        view.edgeShapes.connect(self.diagram_view.diagram.set_edge_labels)
        view.entered.connect(self._enter_step_layout)
        view.left.connect(self._leave_step_layout)
        # closing the dock (its ×, the View menu, Reset Layout) ends step mode: nothing would
        # show the step any more, and its layout would stay behind
        dock.toggleViewAction().toggled.connect(self._on_stepthrough_toggled)
        return view

    def _on_stepthrough_toggled(self, shown: bool) -> None:
        if not shown and self.stepthrough is not None and self.stepthrough.active:
            self.stepthrough.leave()

    def _use_step_layout(self) -> None:
        """In step mode the bottom docks (the step-through) take the window's whole width under
        the diagram, the side columns only the height beside it: the step's arrays need the
        width more than the data set and optimizer forms do."""
        self.setCorner(Qt.BottomLeftCorner, Qt.BottomDockWidgetArea)
        self.setCorner(Qt.BottomRightCorner, Qt.BottomDockWidgetArea)
        self._relax_views(True)

    def _enter_step_layout(self) -> None:
        """Step mode: the step layout, and the step-through grown to STEP_SHARE of the window's
        height (a tab among the views, it kept their ~300 px even in a 1400 px tall window,
        its arrays below the fold beside an empty diagram)."""
        self._use_step_layout()
        dock = self.docks["stepthrough"]
        self._height_before_step = dock.height()
        if self._view_before_step is None:
            self._view_before_step = self._front_view()
        target = round(STEP_SHARE * self.height())
        if target > dock.height():
            self.resizeDocks([dock], [target], Qt.Vertical)

    def _front_view(self) -> QDockWidget | None:
        """The plot view in front of the bottom tabs, if one is."""
        return next((d for n, d in self.docks.items() if n.startswith("view_")
                     and d.isVisible() and not d.visibleRegion().isEmpty()), None)

    def _leave_step_layout(self) -> None:
        """Out of step mode: the normal layout, the bottom docks as tall as before."""
        self._use_normal_layout()
        before, self._height_before_step = self._height_before_step, None
        if before:
            self.resizeDocks([self.docks["stepthrough"]], [before], Qt.Vertical)
        view, self._view_before_step = self._view_before_step, None
        if view is not None and view.isVisible():
            view.raise_()                # the plot that was in front, not an empty step-through

    def _use_normal_layout(self) -> None:
        """The side columns run the full height again (as at the start)."""
        self.setCorner(Qt.BottomLeftCorner, Qt.LeftDockWidgetArea)
        self.setCorner(Qt.BottomRightCorner, Qt.RightDockWidgetArea)
        self._relax_views(False)

    @contextlib.contextmanager
    def _views_presented(self):
        """For File ▸ Export All Views: present(view) brings the view's dock to the front (shown
        if it was closed) and its picture up to date; a tab behind another has no size of its
        own and draws nothing, so its files came out tiny, empty or without their CSV.
        Afterwards the docks are as they were."""
        docks = {id(d.widget().widget()): d for n, d in self.docks.items() if n.startswith("view_")}
        closed = [d for d in docks.values() if not d.isVisible()]
        # the docks in front of their tab groups, the step-through too (it shares the views')
        in_front = [d for d in self.docks.values() if d.isVisible() and not d.visibleRegion().isEmpty()]

        def present(view) -> None:
            dock = docks.get(id(view))
            if dock is None:
                return
            dock.show()
            dock.raise_()
            QApplication.processEvents()         # laid out at the tab's size, painted
            view.bring_up_to_date()

        try:
            yield present
        finally:
            for dock in closed:
                dock.hide()
            for dock in in_front:
                dock.raise_()

    def _relax_views(self, relaxed: bool) -> None:
        """In step mode the plot views wait in tabs behind the step-through, and their heights
        are not kept (the softmax view's 394 px made a 600 px tall window grow to 685 px): the
        step-through takes STEP_SHARE of the window. Outside step mode they are again as tall
        as they need while the diagram has room (see _fit_views)."""
        self._views_relaxed = relaxed
        if not relaxed:
            self._schedule_fit_views()

    def _schedule_fit_views(self) -> None:
        if not self._fit_pending:
            self._fit_pending = True
            QTimer.singleShot(0, self._fit_views)

    def _fit_views(self) -> None:
        """Outside step mode the bottom tabs are as tall as their tallest view's minimum (the
        tabs behind the front one count too: bringing one forward does not move the diagram),
        as long as the diagram keeps MIN_DIAGRAM_HEIGHT; in a shorter window the views scroll,
        and the diagram takes back what a taller window had given them."""
        self._fit_pending = False
        if self._views_relaxed or not self.isVisible():
            return
        for front in self._bottom_fronts():
            group = [front] + [d for d in self.tabifiedDockWidgets(front) if d.isVisible()]
            least = [d.widget().least_height() for d in group if isinstance(d.widget(), ViewScrollArea)]
            if not least:
                continue
            height = front.height()
            want = max(least) + height - front.widget().height()      # and the dock's title
            room = height + self.centralWidget().height() - MIN_DIAGRAM_HEIGHT
            target = min(max(height, want), max(room, 0))
            if target != height and (target > height or room < height):
                # the size asked for is the tab group's, its row of tabs included
                self.resizeDocks([front], [target + self._tabs_under(front)], Qt.Vertical)

    def _tabs_under(self, dock: QDockWidget) -> int:
        """The height of the row of tabs under a tabbed dock (0 for a dock on its own)."""
        area = dock.geometry()
        for bar in self.findChildren(QTabBar):
            rect = bar.geometry()
            if (bar.parent() is self and bar.isVisible() and abs(rect.top() - area.bottom() - 1) <= 2
                    and rect.left() < area.right() and rect.right() > area.left()):
                return rect.height()
        return 0

    def _bottom_fronts(self) -> list:
        """The docks in front of their tab groups under the diagram."""
        return [d for d in self.docks.values()
                if d.isVisible() and not d.isFloating() and not d.visibleRegion().isEmpty()
                and self.dockWidgetArea(d) == Qt.BottomDockWidgetArea]

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        if event.size().height() != event.oldSize().height():
            self._schedule_fit_views()
        if event.oldSize().isValid() and event.size().width() > event.oldSize().width():
            QTimer.singleShot(0, self._widen_squeezed_forms)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802
        """A side form dock resized while a mouse button is down was sized by the user (a
        separator dragged): it is left to that width when the window grows."""
        if event.type() == QEvent.Type.Resize and watched in self._form_docks and self._user_is_dragging():
            self._user_sized.add(watched)
        return super().eventFilter(watched, event)

    @staticmethod
    def _user_is_dragging() -> bool:
        return QApplication.mouseButtons() != Qt.MouseButton.NoButton

    def _widen_squeezed_forms(self) -> None:
        """After the window grew, a side panel narrower than its form (squeezed by a smaller
        window) gets its width back: QMainWindow gives all new width to the diagram, and the
        forms stayed clipped until Reset Layout. A panel the user sized is left as it is."""
        back = [(d, d.widget().form_width()) for d in self._form_docks
                if d not in self._user_sized and d.isVisible() and not d.isFloating()
                and self.dockWidgetArea(d) in (Qt.LeftDockWidgetArea, Qt.RightDockWidgetArea)]
        back = [(d, w) for d, w in back if d.width() < w]
        if back and self.centralWidget().width() > MIN_DIAGRAM_WIDTH:
            self.resizeDocks([d for d, _ in back], [w for _, w in back], Qt.Horizontal)

    def _unelide_dock_tabs(self) -> None:
        """Tabbed docks show whole titles and scroll, rather than "Lo…", "Ac…"."""
        for bar in self.findChildren(QTabBar):
            if bar.parent() is self:
                bar.setElideMode(Qt.ElideNone)
                bar.setUsesScrollButtons(True)

    def reset_layout(self) -> None:
        """View ▸ Reset Layout: the docks as they are at the first start."""
        self._user_sized.clear()
        self.restoreState(self._default_state, LAYOUT_VERSION)
        for name, dock in self.docks.items():
            dock.setVisible(name != "stepthrough")
        self._schedule_fit_views()

    def _default_dock_sizes(self) -> None:
        side = [d for n, d in self.docks.items() if n in ("dataset", "inspector")]
        widths = [max(270, self.docks["dataset"].widget().form_width()),
                  max(300, self.docks["training"].widget().form_width())]
        self.resizeDocks(side, widths, Qt.Horizontal)
        right = [self.docks["inspector"], self.docks["training"]]
        # at 1280×800 the training form whole (≈ 400 px) under a dense layer's (≈ 200 px); the
        # Layer dock is empty until a layer is clicked (330 : 400 cut the form's last row)
        self.resizeDocks(right, [240, 440], Qt.Vertical)
        views = [d for n, d in self.docks.items() if n.startswith("view_")]
        if views:     # as tall as the tallest view needs (see _fit_views), from the first paint
            self.resizeDocks(views[:1], [max(260, self._views_height(views))], Qt.Vertical)

    def _views_height(self, docks: list) -> int:
        """The height the bottom tabs need for the tallest of these views: the view, the
        dock's title and the row of tabs (asked for before the window has laid them out)."""
        dock = docks[0]
        title = dock.minimumSizeHint().height() - dock.widget().minimumSizeHint().height()
        tabs = max((b.sizeHint().height() for b in self.findChildren(QTabBar) if b.parent() is self),
                   default=0)
        return max(d.widget().least_height() for d in docks) + title + tabs

    # ------------------------------------------------------------------ settings
    def restore_layout(self) -> bool:
        s = self.settings
        geometry = s.value("window/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        speed = s.value("window/speed")
        if speed is not None:
            try:
                self.speed_slider.setValue(int(speed))
            except (TypeError, ValueError):
                pass
        if s.value("window/layout_version") not in (LAYOUT_VERSION, str(LAYOUT_VERSION)):
            return False
        if s.value("window/layout_docks") != self._dock_signature():
            return False             # a view was added or renamed since: the default layout
        state = s.value("window/state")
        if isinstance(state, QByteArray) and not state.isEmpty():
            restored = self.restoreState(state, LAYOUT_VERSION)
            self._use_normal_layout()     # the state keeps the corners; a window starts outside step mode
            return restored
        return False

    def _dock_signature(self) -> str:
        """The docks by name: a saved layout is used only by a window with the same docks
        (even where nobody remembered to bump LAYOUT_VERSION)."""
        return ",".join(sorted(self.docks))

    def save_layout(self) -> None:
        s = self.settings
        s.setValue("window/geometry", self.saveGeometry())
        stepping = self.stepthrough is not None and self.stepthrough.active
        if stepping:            # saved as outside step mode: the next start is not in it
            self._use_normal_layout()
        s.setValue("window/state", self.saveState(LAYOUT_VERSION))
        if stepping:
            self._use_step_layout()
        s.setValue("window/layout_version", LAYOUT_VERSION)
        s.setValue("window/layout_docks", self._dock_signature())
        s.setValue("window/speed", self.speed_slider.value())
        s.sync()

    # ------------------------------------------------------------------ document → run
    def _schedule_sync(self) -> None:
        if not self._shown_once:
            return                  # showEvent schedules the first one
        if not self._sync_pending:
            self._sync_pending = True
            QTimer.singleShot(0, self.sync)

    def sync(self) -> None:
        """Check the project, mark problems, hand a valid project to the controller."""
        self._sync_pending = False
        entry = self.doc.section("dataset")
        self.data_error = None
        data, error = self.controller.loaded_dataset(entry)
        if error is not None:
            self.data_error = _tr("The data set cannot be loaded: %s") % describe_error(error)
        elif data is None:                   # load it in the background, then check again
            self.loading = True
            if self.controller.project is not None:
                self._drop_run()             # the old run does not fit the new data
            self.controller.load_dataset_async(entry)
            info = self.dataset_panel.infos.get(entry.get("name"))
            title = dataset_title(info) if info is not None else entry.get("name", "")
            self.statusBar().showMessage(_tr("Loading the data set %s…") % title)
            self.problems = self.doc.problems()
            self.diagram_view.diagram.set_problems(self.problems)
            self.inspector.set_problems(self.problems)
            self._update_actions()
            return
        self.loading = False
        self.dataset_panel.update_summary()     # the counts of the set as loaded
        if self.dataset_panel.fit_to_data(entry, data, self.training_panel.full_batch):
            return                  # the fitted network changed the document: checked again
        self.dataset_panel.show_error(self.data_error or "")
        self.problems = self.doc.problems(data)
        self.diagram_view.diagram.set_problems(self.problems)
        self.inspector.set_problems(self.problems)
        project = None
        if not self.problems and data is not None:
            project = self._last_valid = self.doc.to_project()
        current = self.controller.project
        weights, self._pending_weights = self._pending_weights, None
        if project is None:
            if current is not None:
                self._drop_run()
        elif weights is not None:
            # the history opened with these weights (if any) belongs to the run they start,
            # which goes on from where it stopped
            self._history_to_continue, self._opened_history = self._opened_history, None
            start = self._history_to_continue.resume_point() if self._history_to_continue else None
            self.controller.set_project(project, weights, start[:2] if start else None)
        elif current is None or project != current:
            if current is not None and self._only_lr_differs(project, current):
                self.controller.set_learning_rate(project.optimizer.lr)
            else:
                self._history_to_continue = None      # a run from fresh weights: its own history
                self.controller.set_project(project)
        self.training_panel.refresh()
        self._show_problem_summary()
        self._update_actions()

    @staticmethod
    def _only_lr_differs(new: Project, old: Project) -> bool:
        same_lr = dataclasses.replace(new.optimizer, lr=old.optimizer.lr)
        return new.with_(optimizer=same_lr) == old

    def _show_problem_summary(self) -> None:
        """Why Play is grey: the whole reason in Play's tooltip; in the status bar too unless
        the diagram already shows it on a node (a long message there would be cut off)."""
        play = self.actions_by_name["play"]
        if self.data_error:
            reason = shown = self.data_error
        elif self.problems:
            first = self.problems[0]
            reason = shown = _tr("Play is disabled until this is fixed: %s") % describe_error(first.error)
            if self.diagram_view.diagram.node_for_problem(first) is not None:
                shown = _tr("Play is disabled until the problem marked in red is fixed.")
        else:
            reason = shown = ""
        play.setToolTip(reason or _tr("Train (F5)"))
        if shown:
            self.statusBar().showMessage(shown)
        else:
            self.statusBar().clearMessage()

    def _train_size(self) -> int | None:
        """The training-set size of the document's data set, None until its run is built
        (a run of the previous set, still there while the new one loads, does not count)."""
        session = self.controller.session
        if session is None or dict(session.project.dataset) != self.doc.section("dataset"):
            return None
        return len(session.dataset.x_train)

    def confirm_reset(self) -> bool:
        """Before an edit: a run that has made progress, or started from saved weights, is
        reset only if the learner agrees."""
        ctl = self.controller
        if not (ctl.has_progress or ctl.from_saved_weights) or ctl.state == "diverged":
            return True             # nothing to lose: no steps yet, or weights gone to NaN
        return self.ask_reset()

    def ask_reset(self) -> bool:
        """The question itself (tests replace this method)."""
        answer = QMessageBox.question(
            self, _tr("Reset training?"),
            _tr("This change needs a new run: the training so far will be reset. Go on?"),
            QMessageBox.Yes | QMessageBox.No, QMessageBox.No)
        return answer == QMessageBox.Yes

    def reset_run(self) -> None:
        self.banner.hide()
        self.controller.reset()

    # ------------------------------------------------------------------ run → window
    def _on_run_started(self, session) -> None:
        self.status.clear(session)
        self.statusBar().clearMessage()      # the last run's "Training finished" or divergence
        # a run from weights opened with their history goes on with that history (saving
        # right after opening keeps the curves); any other run starts its own
        continued, self._history_to_continue = self._history_to_continue, None
        self.history = continued.continued() if continued is not None else RunHistory()
        if continued is not None:          # its curves so far, in the views that plot them
            for view in self.views:
                view.show_history(self.history)
        self._latest_weights = None
        self.banner.hide()
        if self.diagram_view.diagram.has_weight_lines():
            self.diagram_view.diagram.set_weights(parameter_copies(session))
        self.training_panel.refresh()

    def _drop_run(self) -> None:
        """The project no longer makes a valid run (an edit, another data set): the run ends,
        and what showed it goes with it — the banner (the problems are marked instead), the
        status counts, the curves a save would write beside the new settings, the step being
        stepped through, the diagram's weight lines. The plots show the old run until the next
        one starts."""
        self.banner.hide()
        self.controller.set_project(None)
        self.history = RunHistory()
        self._latest_weights = None
        self.status.clear(None)
        if self.stepthrough is not None and self.stepthrough.active:
            self.stepthrough.leave()
        self.diagram_view.diagram.set_weights(None)

    def _on_snapshots(self, batch) -> None:
        self.status.show(batch[-1])
        for snap in batch:
            self.history.record(snap)
        newest = next((s.weights for s in reversed(batch) if s.weights is not None), None)
        if newest is not None:
            self._latest_weights = newest       # read-only copies: kept as they are
        diagram = self.diagram_view.diagram
        if not diagram.has_weight_lines():
            return
        session = self.controller.session
        if batch[-1].paused and self.controller.is_paused and session is not None:
            # the worker is parked: its network may be read here, and is exactly current
            diagram.set_weights(parameter_copies(session))
            return
        if newest is not None:
            diagram.set_weights(newest)

    def _show_current_weights(self) -> None:
        """The diagram draws weight lines again (its view grew): the run's current weights on
        them, not those they had when they were last drawn."""
        session = self.controller.session
        diagram = self.diagram_view.diagram
        if session is not None and self.controller.network_is_quiet:
            diagram.set_weights(parameter_copies(session))
        else:
            diagram.set_weights(self._latest_weights if session is not None else None)
            self._request_weights()

    def _request_weights(self) -> None:
        if self.diagram_view.diagram.has_weight_lines() and self.isVisible():
            self.controller.request_detail(weights=True, activations=False)

    def _on_state(self, state: str) -> None:
        self.status.set_state(state)
        if state == "running":
            self._weights_timer.start()
        else:
            self._weights_timer.stop()
        self._update_actions()

    def _on_diverged(self, err) -> None:
        self.banner.show_message(f"<b>{html.escape(divergence_message(err))}</b><br>"
                                 f"{html.escape(divergence_hint())}")
        self.statusBar().showMessage(divergence_message(err))

    def _on_failed(self, err) -> None:
        self._history_to_continue = None     # the run it was for never started
        self.banner.show_message(html.escape(_tr("Training could not run: %s") % describe_error(err)))
        self._update_actions()

    def _update_actions(self) -> None:
        a = self.actions_by_name
        state = self.controller.state
        ok = (not self.problems and self.data_error is None and not self.loading
              and self.controller.project is not None)
        a["play"].setEnabled(ok and state != "running")
        a["pause"].setEnabled(state == "running")
        a["step"].setEnabled(ok and state != "running")
        a["step_epoch"].setEnabled(ok and state != "running")
        a["reset"].setEnabled(ok)
        # while training too: entering step mode pauses it first (F11, as the README says)
        a["step_mode"].setEnabled(ok and self.stepthrough is not None)

    # ------------------------------------------------------------------ selection
    def _on_current_layer(self, index) -> None:
        if index is not None:
            self.inspector.show_node("layer", index)

    def _on_selection(self) -> None:
        node = self.diagram_view.diagram.selected_node()
        if node is None:
            self.inspector.show_node("none")
        elif node.role != "layer":
            self.inspector.show_node(node.role)
        else:
            self.inspector.show_node("layer", self.doc.index_of(node.layer_id))

    def _focus_inspector(self) -> None:
        dock = self.docks["inspector"]
        dock.show()
        dock.raise_()
        self.inspector.focus_first_field()

    # ------------------------------------------------------------------ step-through
    def enter_step_mode(self) -> None:
        if self.stepthrough is None or self.controller.session is None:
            return
        self.controller.pause()
        if not (self.stepthrough.active or self.docks["stepthrough"].isVisible()):
            self._view_before_step = self._front_view()      # brought back on leaving
        self.docks["stepthrough"].show()
        self.docks["stepthrough"].raise_()
        # one wait at a time: a second press while the first waits replaces it (two would
        # record two steps)
        self._step_wait += 1
        self._enter_when_parked(int(PARK_SECONDS * 1000) // 25, self._step_wait)

    def _enter_when_parked(self, tries: int, wait: int) -> None:
        session = self.controller.session
        if session is None or wait != self._step_wait:
            return
        if self.controller.network_is_quiet:
            n = len(session.dataset.x_train)
            self.stepthrough.enter(tuple(range(min(3, n))))
        elif tries > 0:
            QTimer.singleShot(25, lambda: self._enter_when_parked(tries - 1, wait))
        else:       # a step slower than PARK_SECONDS: enter() says training is still running
            self.stepthrough.enter(())

    # ------------------------------------------------------------------ files
    def _make_files(self) -> ProjectFiles:
        files = ProjectFiles(self._project_for_files, self._replace_project,
                             get_weights=self._weights_for_files, set_weights=self._weights_from_files,
                             get_history=lambda: self.history, set_history=self._set_history,
                             get_views=lambda: list(self.views), present_views=self._views_presented,
                             data_moved=self._data_moved,
                             new_project=self._next_new_project,
                             parent=self, settings=self.settings)
        files.titleChanged.connect(self.setWindowTitle)
        files.pathChanged.connect(self._project_folder_changed)
        files.statusMessage.connect(lambda text: self.statusBar().showMessage(text, 5000))
        files.set_modified(False)
        self.setWindowTitle(files.title())
        return files

    def _project_for_files(self) -> Project:
        """The project to save: the document when valid, else the last valid one."""
        try:
            return self.doc.to_project()
        except ValueError:
            return self.controller.project or self._last_valid

    def _replace_project(self, project: Project) -> None:
        """A project opened, recovered or started new: fresh document history, fresh run."""
        self.banner.hide()          # the old run's divergence or failure is not this project's
        # weights and history another file brought, not yet taken by a run, are not this
        # project's (a file opened while the one before still loaded its data); the file
        # being opened sets its own right after this
        self._pending_weights = self._opened_history = self._history_to_continue = None
        self.doc.load(project)
        self.undo_stack.clear()
        self.diagram_view.fit()

    def load_project_dataset(self, entry: dict):
        """Load a data set, its relative file paths resolved against the project's folder: the
        training controller's loader and the compare window's (runs in a loader thread: it only
        reads the saved path)."""
        files = getattr(self, "files", None)
        path = files.path if files is not None else None
        return load_dataset(entry, base_dir=os.path.dirname(path) if path else None)

    def _project_folder_changed(self, path) -> None:
        """The project file moved to another folder: where its data entry has relative file
        paths, they now mean other files, so the loaded set is forgotten and checked again
        (a project without relative paths keeps its run)."""
        folder = os.path.dirname(os.path.abspath(path)) if path else None
        previous, self._project_dir = self._project_dir, folder
        entry = self.doc.section("dataset")
        if folder != previous and with_absolute_paths(entry, folder or ".") != dict(entry):
            self.controller.forget_datasets()
            self._schedule_sync()

    def _data_moved(self, old_dir: str | None, new_dir: str) -> None:
        """A save put the project into another folder and wrote its data entry's relative
        file paths for it (``with_paths_moved``: the same files). The document, the undo
        steps, the loaded set and the run take the rewritten entry, so nothing reloads or
        resets, and the project's folder is the new one from now on (before the file's path
        changes, which then finds nothing to reload)."""
        def move(entry):
            return with_paths_moved(entry, old_dir, new_dir)
        old = self.doc.section("dataset")
        new = move(old)
        self._project_dir = new_dir
        self.controller.move_dataset(old, new)
        if dict(self._last_valid.dataset) == old:
            self._last_valid = self._last_valid.with_(dataset=new)
        move_dataset_entries(self.undo_stack, move)
        self.doc.set_section("dataset", new)        # not an edit: nothing to undo

    def _weights_for_files(self):
        """The run's weights, read while its worker is parked (never from a network it is
        training): a training worker is parked for the copy and goes on as it was, and the
        snapshots up to the copy reach the history first (see TrainingController.weights_now).
        A snapshot carries a copy only when the diagram draws weight lines, and saving with
        that alone left the run out (reopened at iteration 0)."""
        weights = self.controller.weights_now(PARK_SECONDS)
        return weights if weights is not None else self._latest_weights

    def _weights_from_files(self, weights) -> None:
        self._pending_weights = dict(weights)
        self._opened_history = None      # a project's history comes after its weights (open)
        self._schedule_sync()

    def _set_history(self, history) -> None:
        self.history = history
        self._opened_history = history if history.iterations or history.epochs else None

    def _next_new_project(self) -> Project:
        project, self._template = self._template or default_project(), None
        return project

    def new_from_template(self, path) -> bool:
        try:
            from nnstudio.project.files import load_project
            self._template = load_project(path)
        except (OSError, ValueError) as err:
            from nnstudio.project.errors import FileFormatError
            from nnstudio.ui.file_messages import file_error_text
            text = file_error_text(err) if isinstance(err, FileFormatError) else describe_error(err)
            self.files.show_error(_tr("Could not open the template"), text)
            return False
        return self.files.new()

    def _fill_templates(self) -> None:
        self.templates_menu.clear()
        found = templates()
        for title, path in found:
            action = self.templates_menu.addAction(title)
            action.triggered.connect(lambda _c=False, p=path: self.new_from_template(p))
        if not found:
            self.templates_menu.addAction(_tr("(no templates installed)")).setEnabled(False)

    def show_about(self) -> AboutDialog:
        """Help ▸ About (window-modal, not blocking): citations and licenses."""
        dialog = AboutDialog(self.datasets, self)
        dialog.setAttribute(Qt.WA_DeleteOnClose)
        dialog.open()
        return dialog

    # ------------------------------------------------------------------ closing
    def closeEvent(self, event) -> None:  # noqa: N802
        if not self.files.maybe_save():
            event.ignore()
            return
        self.files.shutdown()
        self._weights_timer.stop()
        if self.compare_window is not None:
            self.compare_window.shutdown()
        self.controller.shutdown()
        self.save_layout()
        event.accept()


__all__ = ["LAYOUT_VERSION", "MainWindow", "SPEED_DELAYS", "about_text", "default_settings"]
