"""The live plots a learner watches while the network trains (issue 5).

``create_views(controller)`` builds every view; each is a :class:`View` (a QWidget with
``title()``, ``caption()`` and ``export_targets()``) connected to the controller's
``runStarted`` and ``snapshots`` signals.
"""

from __future__ import annotations

from .base import View
from .palette import layer_color


def view_classes() -> list[type[View]]:
    from .accuracy import AccuracyView
    from .gradients import GradientsView
    from .loss import LossView
    from .weights import WeightsView
    classes: list[type[View]] = [LossView, AccuracyView, GradientsView, WeightsView]
    try:
        from .histograms import HistogramsView
        from .activation_bars import ActivationBarsView
        from .softmax import SoftmaxView
        from .fit import DataFitView
        from .confusion import ConfusionView
    except ImportError:  # pragma: no cover - while the rest is being written
        return classes
    return classes[:4] + [HistogramsView, ActivationBarsView, SoftmaxView, DataFitView, ConfusionView]


def create_views(controller) -> list[View]:
    """One instance of every view, connected to ``controller``."""
    return [cls(controller) for cls in view_classes()]


__all__ = ["View", "create_views", "layer_color", "view_classes"]
