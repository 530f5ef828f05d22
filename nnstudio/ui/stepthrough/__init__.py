"""Step through one training step, operation by operation (issue 6).

``StepThroughView(controller)``: ``enter(sample_indices)``, ``leave()``, signals
``layerFocused(index | None)`` and ``edgeShapes(dict | None)`` for the diagram.
"""

from .view import StepThroughView, edge_shapes

__all__ = ["StepThroughView", "edge_shapes"]
