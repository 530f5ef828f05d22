"""The live plots a learner watches while the network trains (issue 5).

``create_views(controller)`` builds every view; each is a :class:`View` (a QWidget with
``title()``, ``caption()`` and ``export_targets()``) connected to the controller's
``runStarted`` and ``snapshots`` signals. ``layer_color(index)`` is the per-layer colour
the plots share with the network diagram.
"""

from __future__ import annotations

from .base import View
from ..palette import layer_color


def view_classes() -> list[type[View]]:
    """The view classes in the order the studio shows them."""
    from .accuracy import AccuracyView
    from .activation_bars import ActivationBarsView
    from .confusion import ConfusionView
    from .descent import DescentView
    from .feature_maps import FeatureMapsView
    from .fit import DataFitView
    from .gradients import GradientsView
    from .histograms import HistogramsView
    from .loss import LossView
    from .softmax import SoftmaxView
    from .weights import WeightsView
    return [LossView, AccuracyView, GradientsView, WeightsView, HistogramsView, ActivationBarsView,
            SoftmaxView, DataFitView, ConfusionView, FeatureMapsView, DescentView]


def create_views(controller) -> list[View]:
    """One instance of every view, connected to ``controller``."""
    return [cls(controller) for cls in view_classes()]


__all__ = ["View", "create_views", "layer_color", "view_classes"]
