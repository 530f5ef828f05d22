"""The NumPy engine: specs, layers, losses, optimizers, network, trainer, trace, gradient check.

No Qt here: everything is plain Python and NumPy, usable from scripts, tests and worker
processes alike.
"""

from .errors import DivergenceError, EngineError, ShapeError, SpecError
from .gradcheck import GradCheckReport, gradient_check, numerical_gradient
from .network import Network
from .optimizers import RULES, Optimizer, make_optimizer
from .recording import Phase, Recorder, TraceEvent
from .spec import (BatchNormSpec, Conv2dSpec, DenseSpec, DropoutSpec, FlattenSpec, NetworkSpec,
                   OptimizerSpec, PoolSpec, TrainingSpec, layer_from_dict)
from .trace import Trace, record_step, save_trace
from .trainer import (Pause, RequestDetail, Resume, SetLearningRate, Snapshot, Step, StepEpoch, Stop,
                      Trainer)

__all__ = [
    "BatchNormSpec", "Conv2dSpec", "DenseSpec", "DivergenceError", "DropoutSpec", "EngineError",
    "FlattenSpec", "GradCheckReport", "Network", "NetworkSpec", "Optimizer", "OptimizerSpec", "Pause",
    "Phase", "PoolSpec", "RULES", "Recorder", "RequestDetail", "Resume", "SetLearningRate", "ShapeError",
    "Snapshot", "SpecError", "Step", "StepEpoch", "Stop", "Trace", "TraceEvent", "Trainer", "TrainingSpec",
    "gradient_check", "layer_from_dict", "make_optimizer", "numerical_gradient", "record_step", "save_trace",
]
