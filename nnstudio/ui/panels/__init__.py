"""Parameter panels: the data set, and the optimizer with the training settings."""

from .dataset_panel import DatasetPanel
from .training_panel import TrainingPanel

__all__ = ["DatasetPanel", "TrainingPanel"]
