"""The network-diagram editor: a QGraphicsScene that follows the project document."""

from .scene import DiagramScene
from .view import DiagramView

__all__ = ["DiagramScene", "DiagramView"]
