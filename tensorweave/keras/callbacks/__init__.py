"""keras.callbacks: hooks into fit/evaluate/predict.

    >>> from tensorweave import keras
    >>> stop = keras.callbacks.EarlyStopping(monitor="val_loss", patience=2)
"""

from tensorweave.keras.callbacks.base import Callback, CallbackList, History, ProgbarLogger
from tensorweave.keras.callbacks.checkpoint import BackupAndRestore, ModelCheckpoint
from tensorweave.keras.callbacks.logging_callbacks import (CSVLogger, LambdaCallback,
                                                           LearningRateScheduler, TerminateOnNaN)
from tensorweave.keras.callbacks.monitor import EarlyStopping, MonitorCallback, ReduceLROnPlateau

__all__ = ["Callback", "CallbackList", "History", "ProgbarLogger", "BackupAndRestore",
           "ModelCheckpoint", "CSVLogger", "LambdaCallback", "LearningRateScheduler",
           "TerminateOnNaN", "EarlyStopping", "MonitorCallback", "ReduceLROnPlateau"]
