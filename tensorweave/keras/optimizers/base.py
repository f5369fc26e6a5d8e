"""The Optimizer base class: learning rate, step counter, slots, clipping, weight decay, EMA.

Slots are created lazily, on the first `apply_gradients` that sees a variable, under
`init_scope()`: a `tf.function`-traced train step creates them on its first trace and the graph
only updates them. Built-in optimizers update each variable with one fused op (fused_ops.py);
subclasses may instead implement Keras 3's `update_step(gradient, variable, learning_rate)` with
tf ops and `add_variable_from_reference` for their slots.
"""

from __future__ import annotations

import re
import warnings
import weakref

import tensorweave as tf
from tensorweave.framework.context import device_scope, init_scope
from tensorweave.framework.indexed_slices import IndexedSlices
from tensorweave.keras import initializers
from tensorweave.keras.metrics.base import auto_name
from tensorweave.keras.optimizers import schedules
from tensorweave.saving.checkpoint import apply_deferred_restorations

_LEGACY = {"lr": "learning_rate", "decay": None, "epsilon_t": None}


class Optimizer:
    """Base class of Keras optimizers. See the module docstring.

    >>> import tensorweave as tf
    >>> from tensorweave.keras.optimizers import SGD
    >>> v = tf.Variable([1.0, 2.0])
    >>> opt = SGD(learning_rate=0.1)
    >>> _ = opt.apply_gradients([(tf.constant([1.0, 1.0]), v)])
    >>> v.numpy()
    array([0.9, 1.9], dtype=float32)
    """

    def __init__(self, learning_rate, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        for key in list(kwargs):
            if key == "lr":
                raise ValueError("Argument `lr` is no longer supported. Use `learning_rate` "
                                 "instead.")
            if key in ("decay",):
                raise ValueError(f"Argument `{key}` is no longer supported: use a learning rate "
                                 "schedule (keras.optimizers.schedules) instead.")
        if kwargs:
            raise ValueError(f"Argument(s) not recognized: {kwargs}")
        if clipnorm is not None and global_clipnorm is not None:
            raise ValueError("Only one of `clipnorm` and `global_clipnorm` can be set. Received: "
                             f"clipnorm={clipnorm}, global_clipnorm={global_clipnorm}")
        if gradient_accumulation_steps is not None and (
                not isinstance(gradient_accumulation_steps, int)
                or gradient_accumulation_steps < 2):
            raise ValueError("`gradient_accumulation_steps` must be an integer >= 2. Received: "
                             f"gradient_accumulation_steps={gradient_accumulation_steps}")
        if use_ema and not 0 <= ema_momentum <= 1:
            raise ValueError("`ema_momentum` must be in the range [0, 1]. Received: "
                             f"ema_momentum={ema_momentum}")
        self.name = name or auto_name(type(self).__name__)
        self.weight_decay = weight_decay
        self.clipnorm = clipnorm
        self.clipvalue = clipvalue
        self.global_clipnorm = global_clipnorm
        self.use_ema = use_ema
        self.ema_momentum = ema_momentum
        self.ema_overwrite_frequency = ema_overwrite_frequency
        self.loss_scale_factor = loss_scale_factor
        self.gradient_accumulation_steps = gradient_accumulation_steps
        self.built = False
        self._slots: dict = {}           # slot name -> [variable per optimized variable]
        self._index: dict = {}           # id(variable) -> its position in the slot lists
        self._var_refs: list = []        # weak references to the optimized variables
        self._averages: list = []        # EMA copies, when use_ema
        self._exclude_ids: set = set()
        self._exclude_pattern = None
        with init_scope():
            self._iterations = tf.Variable(0, dtype=tf.int64, trainable=False, name="iteration")
            self._learning_rate = self._make_learning_rate(learning_rate)
        self._variables = [self._iterations]
        if isinstance(self._learning_rate, tf.Variable):
            self._variables.append(self._learning_rate)

    # --- learning rate -------------------------------------------------------------------------
    def _make_learning_rate(self, value):
        if isinstance(value, schedules.LearningRateSchedule):
            return value
        if callable(value) and not isinstance(value, (tf.Variable, tf.Tensor)):
            return value
        if isinstance(value, tf.Variable):
            return value
        return tf.Variable(float(value), dtype=tf.float32, trainable=False, name="learning_rate")

    @property
    def learning_rate(self):
        """The learning rate: the variable, or a schedule's value at the current step."""
        lr = self._learning_rate
        if isinstance(lr, schedules.LearningRateSchedule):
            return lr(self._step_count())
        if callable(lr) and not isinstance(lr, tf.Variable):
            return lr()
        return lr

    @learning_rate.setter
    def learning_rate(self, value):
        if isinstance(self._learning_rate, tf.Variable) and not callable(value) \
                and not isinstance(value, schedules.LearningRateSchedule):
            self._learning_rate.assign(value)
            return
        if isinstance(value, (schedules.LearningRateSchedule,)) or callable(value):
            if isinstance(self._learning_rate, tf.Variable):
                self._variables.remove(self._learning_rate)
            self._learning_rate = value
            return
        raise TypeError("This optimizer was created with a learning rate schedule or callable; "
                        "its learning rate cannot be set to a number.")

    def _current_lr(self):
        lr = self._learning_rate
        if isinstance(lr, tf.Variable):
            return lr.value()
        value = self.learning_rate
        t = tf.convert_to_tensor(value)
        return t if t.dtype == tf.float32 else tf.cast(t, tf.float32)

    @property
    def iterations(self):
        """The number of update steps taken (an int64 variable; with gradient accumulation, the
        number of accumulated updates, as Keras counts them)."""
        if self.gradient_accumulation_steps:
            return self._step_count()
        return self._iterations

    def _step_count(self):
        """Update steps so far: the step counter, floor-divided when gradients accumulate."""
        count = self._iterations.value()
        if self.gradient_accumulation_steps:
            count = tf.math.floordiv(count, tf.constant(self.gradient_accumulation_steps,
                                                        tf.int64))
        return count

    @property
    def variables(self) -> list:
        """iterations, learning_rate (when a variable), then the slots in creation order."""
        return list(self._variables)

    # --- slots ---------------------------------------------------------------------------------
    def _slot_specs(self) -> list:
        """Groups of (slot name, initializer) pairs (subclasses override). Keras 3 creates a
        group's slots variable by variable, and the groups one after another; that order is
        `optimizer.variables`, which weight files depend on."""
        return []

    def add_variable(self, shape, initializer="zeros", dtype=None, aggregation="none",
                     name=None):
        """A new optimizer state variable (tracked in `variables`)."""
        init = initializers.get(initializer)
        with init_scope():
            var = tf.Variable(init(tuple(shape), dtype=dtype or tf.float32), trainable=False,
                              name=name or "variable")
        self._variables.append(var)
        return var

    def add_variable_from_reference(self, reference_variable, name, initializer="zeros"):
        """A slot shaped like `reference_variable`, on its device, named after it."""
        init = initializers.get(initializer)
        base = reference_variable._name.replace("/", "_").replace(":", "_")
        with init_scope(), device_scope(reference_variable._device):
            var = tf.Variable(init(tuple(reference_variable.shape.as_list()),
                                   dtype=reference_variable.dtype),
                              trainable=False, name=f"{base}_{name}")
        self._variables.append(var)
        return var

    def build(self, var_list) -> None:
        """Creates the slots of every variable in `var_list` not seen before."""
        new = [v for v in var_list if id(v) not in self._index or
               self._var_refs[self._index[id(v)]]() is not v]
        for v in new:
            self._index[id(v)] = len(self._var_refs)
            self._var_refs.append(weakref.ref(v))
        # Keras 3's order of `optimizer.variables`: EMA averages, gradient accumulators, then
        # the optimizer's own slots (a group's slots variable by variable, groups in turn).
        if self.use_ema:
            for v in new:
                self._averages.append(self.add_variable_from_reference(v, "average"))
        if self.gradient_accumulation_steps:
            column = self._slots.setdefault("gradient_accumulator", [])
            for v in new:
                column.append(self.add_variable_from_reference(v, "gradient_accumulator"))
        for group in self._slot_specs():
            for v in new:
                for slot_name, initializer in group:
                    self._slots.setdefault(slot_name, []).append(
                        self.add_variable_from_reference(v, slot_name, initializer))
        self._build_extra(new)
        self.built = True
        if new:
            # A checkpoint restored before these slots existed assigns them now (eagerly, even
            # when the first apply_gradients is being traced).
            with init_scope():
                apply_deferred_restorations()

    def _build_extra(self, new_variables) -> None:
        """Hook for optimizer-wide state (Nadam's momentum product)."""

    def _get_variable_index(self, variable) -> int:
        return self._index[id(variable)]

    def _slot(self, name: str, variable):
        column = self._slots.get(name)
        return None if column is None else column[self._index[id(variable)]]

    # --- weight decay ----------------------------------------------------------------------------
    def exclude_from_weight_decay(self, var_list=None, var_names=None) -> None:
        """Variables (or names matching any of `var_names`) that weight decay leaves alone."""
        if self.built:
            raise ValueError("`exclude_from_weight_decay()` can only be configured before the "
                             "optimizer is built.")
        self._exclude_ids = {id(v) for v in (var_list or [])}
        self._exclude_pattern = re.compile("|".join(set(var_names))) if var_names else None

    def _weight_decay_for(self, variable) -> float:
        if not self.weight_decay or id(variable) in self._exclude_ids:
            return 0.0
        if self._exclude_pattern is not None and self._exclude_pattern.search(variable.name):
            return 0.0
        return float(self.weight_decay)

    # --- applying gradients ----------------------------------------------------------------------
    def apply_gradients(self, grads_and_vars, name=None, skip_gradients_aggregation=False,
                        **kwargs):
        """Applies one update step from (gradient, variable) pairs; None gradients are skipped.

        Returns `iterations`, as tf.keras did.
        """
        pairs = list(grads_and_vars)
        if not pairs:
            return self._iterations
        for g, v in pairs:
            if not isinstance(v, tf.Variable):
                raise TypeError(f"apply_gradients expects (gradient, tf.Variable) pairs; got a "
                                f"{type(v).__name__} where a variable belongs")
        kept = [(g, v) for g, v in pairs if g is not None]
        if not kept:
            raise ValueError("No gradients provided for any variable.")
        if len(kept) < len(pairs):
            missing = [v.name for g, v in pairs if g is None]
            warnings.warn(f"Gradients do not exist for variables {missing} when minimizing the "
                          "loss. If using `model.compile()`, did you forget to provide a `loss` "
                          "argument?", stacklevel=2)
        self.apply([g for g, _ in kept], [v for _, v in kept])
        return self._iterations

    def apply(self, grads, trainable_variables=None) -> None:
        """Keras 3's form: gradients and the variables they belong to, in two lists."""
        if trainable_variables is None:
            if not self.built:
                raise ValueError("When passing `grads` without `variables`, the optimizer must "
                                 "already be built on a list of variables. Call "
                                 "`optimizer.build(trainable_variables)` first.")
            trainable_variables = [ref() for ref in self._var_refs]
            if any(v is None for v in trainable_variables):
                raise ValueError("Some variables this optimizer was built on no longer exist: "
                                 "pass `trainable_variables` explicitly.")
        variables = list(trainable_variables)
        grads = list(grads)
        if len(grads) != len(variables):
            raise ValueError(f"Got {len(grads)} gradients for {len(variables)} variables.")
        if any(id(v) not in self._index or self._var_refs[self._index[id(v)]]() is not v
               for v in variables):
            self.build(variables)
        if self.loss_scale_factor is not None:
            scale = float(self.loss_scale_factor)
            grads = [g / tf.constant(scale, dtype=g.dtype) if not isinstance(
                g, IndexedSlices) else IndexedSlices(g.values / scale, g.indices, g.dense_shape)
                for g in grads]
        if self.gradient_accumulation_steps:
            self._accumulate_or_update(grads, variables)
        else:
            self._clip_and_update(grads, variables)
        for v in variables:
            if v.constraint is not None:
                v.assign(v.constraint(v))
        if self.use_ema:
            self._update_averages(variables)
        self._iterations.assign_add(tf.constant(1, dtype=tf.int64))

    def _clip_and_update(self, grads, variables) -> None:
        grads = self._clip_gradients(grads)
        self._update_all(grads, variables, self._current_lr(), self._step_count())

    def _accumulate_or_update(self, grads, variables) -> None:
        """Keras's gradient accumulation: every `gradient_accumulation_steps`-th step updates
        with the mean of the accumulated gradients; the steps between only add them up."""
        n = self.gradient_accumulation_steps
        accumulators = [self._slot("gradient_accumulator", v) for v in variables]
        grads = [_dense(g) for g in grads]

        def update():
            total = [(a.value() + g) / tf.constant(float(n), g.dtype)
                     for a, g in zip(accumulators, grads)]
            self._clip_and_update(total, variables)
            for a in accumulators:
                a.assign(tf.zeros_like(a.value()))
            return tf.constant(True)

        def accumulate():
            for a, g in zip(accumulators, grads):
                a.assign_add(g)
            return tf.constant(False)

        due = tf.equal(tf.math.floormod(self._iterations.value() + tf.constant(1, tf.int64),
                                        tf.constant(n, tf.int64)), tf.constant(0, tf.int64))
        if tf.executing_eagerly():
            update() if bool(due) else accumulate()
        else:
            tf.cond(due, update, accumulate)

    def _update_all(self, grads, variables, lr, step) -> None:
        for g, v in zip(grads, variables):
            self._apply_one(g, v, lr, step, self._weight_decay_for(v))

    def _apply_one(self, grad, variable, lr, step, weight_decay: float) -> None:
        """Updates one variable. The default: weight decay, then the subclass's update_step."""
        if weight_decay:
            lr_v = tf.cast(lr, variable.dtype)
            variable.assign_sub(variable.value() * tf.constant(weight_decay, variable.dtype)
                                * lr_v)
        self.update_step(_dense(grad), variable, lr)

    def update_step(self, gradient, variable, learning_rate) -> None:
        """Keras 3's per-variable update, for subclasses; built-ins run their fused op."""
        if type(self)._apply_one is Optimizer._apply_one:
            raise NotImplementedError(f"{type(self).__name__} must implement update_step().")
        self._apply_one(gradient, variable, tf.convert_to_tensor(learning_rate),
                        self._step_count(), 0.0)

    # Keras 3's helpers for update_step written by subclasses.
    def assign(self, variable, value) -> None:
        variable.assign(value)

    def assign_add(self, variable, value) -> None:
        variable.assign_add(value)

    def assign_sub(self, variable, value) -> None:
        variable.assign_sub(value)

    def _clip_gradients(self, grads):
        if self.clipnorm and self.clipnorm > 0:
            return [tf.clip_by_norm(_dense(g), self.clipnorm) for g in grads]
        if self.global_clipnorm and self.global_clipnorm > 0:
            clipped, _ = tf.clip_by_global_norm([_dense(g) for g in grads],
                                                self.global_clipnorm)
            return list(clipped)
        if self.clipvalue and self.clipvalue > 0:
            c = float(self.clipvalue)
            return [tf.clip_by_value(_dense(g), -c, c) for g in grads]
        return grads

    def _update_averages(self, variables) -> None:
        step = self._step_count()
        first = tf.cast(tf.equal(step, tf.constant(0, tf.int64)), tf.float32)
        for v in variables:
            average = self._averages[self._index[id(v)]]
            momentum = tf.cast((tf.constant(1.0) - first) * tf.constant(self.ema_momentum),
                               v.dtype)
            one = tf.constant(1.0, dtype=v.dtype)
            average.assign(momentum * average.value() + (one - momentum) * v.value())
            if self.ema_overwrite_frequency:
                freq = tf.constant(self.ema_overwrite_frequency, tf.int64)
                due = tf.equal(tf.math.floormod(step + tf.constant(1, tf.int64), freq),
                               tf.constant(0, tf.int64))
                v.assign(tf.where(due, average.value(), v.value()))

    def finalize_variable_values(self, var_list) -> None:
        """With use_ema, sets each variable to its moving average (end of training)."""
        if not self.use_ema:
            return
        for v in var_list:
            if id(v) in self._index:
                v.assign(self._averages[self._index[id(v)]].value())

    def minimize(self, loss, var_list, tape=None):
        """Computes gradients of `loss` (a tensor recorded on `tape`, or a callable) for
        `var_list` (a list or a callable) and applies them."""
        if tape is None:
            if not callable(loss):
                raise ValueError("`tape` is required when a `Tensor` loss is passed.")
            with tf.GradientTape() as tape:
                if not callable(var_list):
                    tape.watch(var_list)
                loss = loss()
        elif callable(loss):
            with tape:
                loss = loss()
        if callable(var_list):
            var_list = var_list()
        var_list = list(var_list)
        grads = tape.gradient(loss, var_list)
        return self.apply_gradients(zip(grads, var_list))

    # --- Keras's variable store for .keras files ------------------------------------------------
    def save_own_variables(self, store) -> None:
        for i, v in enumerate(self._variables):
            store[str(i)] = v.numpy()

    def load_own_variables(self, store) -> None:
        if len(store.keys()) != len(self._variables):
            warnings.warn(f"Skipping variable loading for optimizer '{self.name}', because it "
                          f"has {len(self._variables)} variables whereas the saved optimizer has "
                          f"{len(store.keys())} variables.", stacklevel=2)
            return
        for i, v in enumerate(self._variables):
            v.assign(store[str(i)])

    # --- config ----------------------------------------------------------------------------------
    def get_config(self) -> dict:
        lr = self._learning_rate
        if isinstance(lr, schedules.LearningRateSchedule):
            lr = schedules.serialize(lr)
        elif isinstance(lr, tf.Variable):
            lr = float(lr.numpy())
        elif callable(lr):
            lr = float(tf.convert_to_tensor(lr()).numpy())
        return {"name": self.name, "learning_rate": lr, "weight_decay": self.weight_decay,
                "clipnorm": self.clipnorm, "global_clipnorm": self.global_clipnorm,
                "clipvalue": self.clipvalue, "use_ema": self.use_ema,
                "ema_momentum": self.ema_momentum,
                "ema_overwrite_frequency": self.ema_overwrite_frequency,
                "loss_scale_factor": self.loss_scale_factor,
                "gradient_accumulation_steps": self.gradient_accumulation_steps}

    @classmethod
    def from_config(cls, config: dict, custom_objects=None):
        config = dict(config)
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = schedules.deserialize(config["learning_rate"],
                                                            custom_objects)
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}>"


def _dense(g):
    """An IndexedSlices gradient as a dense tensor (Keras 3 updates densely but for plain SGD)."""
    return tf.convert_to_tensor(g) if isinstance(g, IndexedSlices) else g
