"""keras.optimizers.schedules: learning rates as functions of the step (optimizer.iterations).

    >>> s = ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
    >>> round(float(s(10)), 6)
    0.05
"""

from __future__ import annotations

import math

import tensorweave as tf
from tensorweave.keras.utils.serialization import lookup


def _step(step, dtype=tf.float32):
    s = tf.convert_to_tensor(step)
    return s if s.dtype == dtype else tf.cast(s, dtype)


def _c(value, dtype=tf.float32):
    return tf.constant(value, dtype=dtype)


class LearningRateSchedule:
    """Base class: `schedule(step)` returns the learning rate at that step."""

    def __call__(self, step):
        raise NotImplementedError(f"{type(self).__name__} must implement __call__(step).")

    def get_config(self) -> dict:
        raise NotImplementedError(f"{type(self).__name__} must implement get_config().")

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)


class ExponentialDecay(LearningRateSchedule):
    """initial_learning_rate * decay_rate ^ (step / decay_steps) (floored when staircase)."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name="ExponentialDecay"):
        if decay_steps <= 0:
            raise ValueError("Argument `decay_steps` must be > 0. Received: "
                             f"decay_steps={decay_steps}")
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name

    def __call__(self, step):
        p = _step(step) / _c(float(self.decay_steps))
        if self.staircase:
            p = tf.floor(p)
        return _c(self.initial_learning_rate) * tf.pow(_c(self.decay_rate), p)

    def get_config(self) -> dict:
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "decay_rate": self.decay_rate,
                "staircase": self.staircase, "name": self.name}


class PiecewiseConstantDecay(LearningRateSchedule):
    """values[i] while boundaries[i-1] < step <= boundaries[i]."""

    def __init__(self, boundaries, values, name="PiecewiseConstant"):
        if len(boundaries) != len(values) - 1:
            raise ValueError("The length of boundaries should be 1 less than the length of "
                             f"values. Received: boundaries={boundaries} of length "
                             f"{len(boundaries)}, and values={values} of length {len(values)}.")
        self.boundaries = list(boundaries)
        self.values = list(values)
        self.name = name

    def __call__(self, step):
        s = _step(step)
        out = _c(float(self.values[-1]))
        # From the last interval back, so the first matching boundary wins.
        for boundary, value in reversed(list(zip(self.boundaries, self.values[:-1]))):
            out = tf.where(tf.less_equal(s, _c(float(boundary))), _c(float(value)), out)
        return out

    def get_config(self) -> dict:
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class InverseTimeDecay(LearningRateSchedule):
    """initial_learning_rate / (1 + decay_rate * step / decay_steps)."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name="InverseTimeDecay"):
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name

    def __call__(self, step):
        p = _step(step) / _c(float(self.decay_steps))
        if self.staircase:
            p = tf.floor(p)
        return _c(self.initial_learning_rate) / (_c(1.0) + _c(self.decay_rate) * p)

    def get_config(self) -> dict:
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "decay_rate": self.decay_rate,
                "staircase": self.staircase, "name": self.name}


class PolynomialDecay(LearningRateSchedule):
    """(initial - end) * (1 - step / decay_steps) ^ power + end, held at `end` afterwards (or
    with `cycle`, decay_steps grown to the next multiple)."""

    def __init__(self, initial_learning_rate, decay_steps, end_learning_rate=0.0001, power=1.0,
                 cycle=False, name="PolynomialDecay"):
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.end_learning_rate = end_learning_rate
        self.power = power
        self.cycle = cycle
        self.name = name

    def __call__(self, step):
        s = _step(step)
        steps = _c(float(self.decay_steps))
        if self.cycle:
            # ceil(step / decay_steps), at least 1, as Keras's multiplier.
            mult = tf.where(tf.equal(s, _c(0.0)), _c(1.0), tf.math.ceil(s / steps))
            steps = steps * mult
        else:
            s = tf.minimum(s, steps)
        frac = _c(1.0) - s / steps
        start, end = _c(self.initial_learning_rate), _c(self.end_learning_rate)
        return (start - end) * tf.pow(frac, _c(self.power)) + end

    def get_config(self) -> dict:
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "end_learning_rate": self.end_learning_rate,
                "power": self.power, "cycle": self.cycle, "name": self.name}


class CosineDecay(LearningRateSchedule):
    """Optional linear warmup to `warmup_target`, then a cosine from the peak down to
    alpha * peak over `decay_steps` (Loshchilov & Hutter)."""

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0, name="CosineDecay",
                 warmup_target=None, warmup_steps=0):
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.alpha = alpha
        self.name = name
        self.warmup_target = warmup_target
        self.warmup_steps = warmup_steps

    def _decay(self, step, peak):
        s = tf.minimum(step, _c(float(self.decay_steps)))
        cosine = _c(0.5) * (_c(1.0) + tf.cos(_c(math.pi) * s / _c(float(self.decay_steps))))
        return peak * ((_c(1.0) - _c(self.alpha)) * cosine + _c(self.alpha))

    def __call__(self, step):
        s = _step(step)
        if self.warmup_target is None:
            return self._decay(s, _c(self.initial_learning_rate))
        start, target = _c(self.initial_learning_rate), _c(self.warmup_target)
        warm = _c(float(max(self.warmup_steps, 1)))
        warmup = start + (target - start) * tf.minimum(s, warm) / warm
        decayed = self._decay(s - _c(float(self.warmup_steps)), target)
        return tf.where(tf.less(s, _c(float(self.warmup_steps))), warmup, decayed)

    def get_config(self) -> dict:
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "alpha": self.alpha, "name": self.name,
                "warmup_target": self.warmup_target, "warmup_steps": self.warmup_steps}


class CosineDecayRestarts(LearningRateSchedule):
    """Cosine decay with warm restarts (SGDR): periods of `first_decay_steps`, each `t_mul`
    times longer and restarting `m_mul` times lower than the one before."""

    def __init__(self, initial_learning_rate, first_decay_steps, t_mul=2.0, m_mul=1.0,
                 alpha=0.0, name="SGDRDecay"):
        if first_decay_steps <= 0:
            raise ValueError("Argument `first_decay_steps` must be > 0. Received: "
                             f"first_decay_steps={first_decay_steps}")
        self.initial_learning_rate = initial_learning_rate
        self.first_decay_steps = first_decay_steps
        self._t_mul = t_mul
        self._m_mul = m_mul
        self.alpha = alpha
        self.name = name

    def __call__(self, step):
        fraction = _step(step) / _c(float(self.first_decay_steps))
        t_mul = float(self._t_mul)
        if t_mul == 1.0:
            restart = tf.floor(fraction)
            fraction = fraction - restart
        else:
            restart = tf.floor(tf.math.log(_c(1.0) - fraction * _c(1.0 - t_mul))
                               / _c(math.log(t_mul)))
            done = (_c(1.0) - tf.pow(_c(t_mul), restart)) / _c(1.0 - t_mul)
            fraction = (fraction - done) / tf.pow(_c(t_mul), restart)
        m_fac = tf.pow(_c(float(self._m_mul)), restart)
        cosine = _c(0.5) * m_fac * (_c(1.0) + tf.cos(_c(math.pi) * fraction))
        decayed = _c(1.0 - self.alpha) * cosine + _c(self.alpha)
        return _c(self.initial_learning_rate) * decayed

    def get_config(self) -> dict:
        return {"initial_learning_rate": self.initial_learning_rate,
                "first_decay_steps": self.first_decay_steps, "t_mul": self._t_mul,
                "m_mul": self._m_mul, "alpha": self.alpha, "name": self.name}


ALL_OBJECTS_DICT = {cls.__name__: cls for cls in (
    LearningRateSchedule, ExponentialDecay, PiecewiseConstantDecay, InverseTimeDecay,
    PolynomialDecay, CosineDecay, CosineDecayRestarts)}


def serialize(schedule: LearningRateSchedule) -> dict:
    """Keras 3's dict for a schedule."""
    return {"module": "keras.optimizers.schedules", "class_name": type(schedule).__name__,
            "config": schedule.get_config(), "registered_name": None}


def deserialize(config, custom_objects: dict | None = None) -> LearningRateSchedule:
    """The schedule a serialized dict describes."""
    return lookup(config, ALL_OBJECTS_DICT, "learning rate schedule", custom_objects)
