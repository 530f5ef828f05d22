"""Colours shared by the plots and the network diagram, readable by colour-blind learners.

Categorical colours come from the Okabe–Ito palette; signed values (weights, inputs) use a
diverging orange–white–blue map centred on zero, with blue positive and orange negative as
the diagram's connections; magnitudes use cividis. No meaning rests on red versus green.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtGui import QColor

# Okabe & Ito (2008), in an order where neighbours differ in lightness too
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#F0E442", "#000000")

TRAIN_COLOR = "#0072B2"     # blue
TEST_COLOR = "#D55E00"      # vermillion
RAW_COLOR = "#9DB7D0"       # pale blue: the noisy per-iteration values
DIM_COLOR = "#B0B0B0"       # previous runs
TEXT_COLOR = "#202020"
BACKGROUND = "w"


def layer_color(index: int) -> QColor:
    """The colour of layer ``index`` (0-based, in network.layers order), the same in every
    plot and in the diagram."""
    return QColor(OKABE_ITO[index % len(OKABE_ITO)])


def class_color(index: int) -> QColor:
    """The colour of class ``index`` in scatter plots and decision maps."""
    return QColor(OKABE_ITO[index % len(OKABE_ITO)])


POSITIVE_COLOR = "#2166AC"  # blue, as the diagram's positive connections
NEGATIVE_COLOR = "#E66101"  # orange, as the diagram's negative connections


def diverging_map() -> pg.ColorMap:
    """Orange (negative) – white (zero) – blue (positive)."""
    return pg.ColorMap(pos=[0.0, 0.5, 1.0], color=[NEGATIVE_COLOR, (247, 247, 247), POSITIVE_COLOR])


def magnitude_map() -> pg.ColorMap:
    """cividis: dark blue (low) to yellow (high), uniform in lightness."""
    return pg.colormap.get("cividis")
