"""Fused optimizer update ops: one stateful op per variable and step.

Each kernel updates the variable and its slots in place (TensorFlow's ResourceApply* ops), so an
Adam step is one op per variable eagerly and one node per variable in a traced graph. Variables
and slots are attributes, as in AssignVariableOp; the gradient, learning rate and step count are
inputs. The formulas are Keras 3's (they match TensorFlow's ops where the names are TensorFlow's;
ops named `...Keras...` follow Keras where TensorFlow's op differs).

Writing in place keeps TensorFlow's snapshot semantics: an array that anything else still holds
(a tensor read earlier, a view of it, a graph value) is copied first, as TensorFlow copies a
variable's buffer on write when it is shared.
"""

from __future__ import annotations

import sys

from tensorweave.framework.op_def import execute, op

# References to a variable's array when nothing else holds it: the variable's __dict__, the local
# name in `_own`, and getrefcount's own argument.
_UNSHARED = 3


def _own(var):
    """The variable's array, safe to write in place (copied first when shared)."""
    a = var._array
    if sys.getrefcount(a) > _UNSHARED or not getattr(a.flags, "writeable", True):
        a = a.copy()
        var._array = a
    return a


def _grad(grad, w, var):
    """The gradient in the variable's dtype, refusing a shape that is not the variable's."""
    if grad.shape != w.shape:
        raise ValueError(f"var and grad do not have the same shape: variable {var._name} has "
                         f"shape {list(w.shape)}, the gradient {list(grad.shape)}")
    return grad if grad.dtype == w.dtype else grad.astype(w.dtype)


def _as_dtype(g, dtype):
    return g if g.dtype == dtype else g.astype(dtype)


def _scalar(x, dtype):
    """A 0-d array of `dtype`: keeps float32 math float32 (NumPy would upcast a float64 one)."""
    return x.astype(dtype) if x.dtype != dtype else x


def _decay(xp, w, lr, wd):
    """Decoupled weight decay, applied before the update as Keras does: w -= w * wd * lr."""
    if wd:
        w -= w * _scalar(lr * wd, w.dtype)


def _infer_update(grad, *scalars, var, **attrs):
    shape, want = grad.shape, var.shape.as_list()
    if shape is not None and want is not None and len(shape) == len(want):
        if any(a is not None and b is not None and a != b for a, b in zip(shape, want)):
            raise ValueError(f"gradient of shape {list(shape)} does not match variable "
                             f"{var._name} of shape {want}")
    elif shape is not None and want is not None:
        raise ValueError(f"gradient of shape {list(shape)} does not match variable "
                         f"{var._name} of shape {want}")
    return ()


def _declare(name):
    return op(name, infer=_infer_update, num_outputs=0, stateful=True, differentiable=False)


@_declare("ResourceApplyGradientDescent")
def apply_gradient_descent(xp, grad, lr, *, var, wd=0.0):
    """var -= lr * grad."""
    w = _own(var)
    _decay(xp, w, lr, wd)
    g = _grad(grad, w, var)
    w -= g * _scalar(lr, w.dtype)


def _infer_sparse(values, indices, lr, *, var, **attrs):
    return ()


@op("ResourceSparseApplyGradientDescent", infer=_infer_sparse, num_outputs=0, stateful=True,
    differentiable=False)
def apply_sparse_gradient_descent(xp, values, indices, lr, *, var, wd=0.0):
    """var[indices] -= lr * values (repeated indices add up): an IndexedSlices gradient."""
    w = _own(var)
    _decay(xp, w, lr, wd)
    update = _as_dtype(values, w.dtype) * -_scalar(lr, w.dtype)
    var._device.backend.scatter_add(w, indices, update)


@_declare("ResourceApplyKerasMomentum")
def apply_keras_momentum(xp, grad, lr, *, var, accum, momentum, nesterov, wd=0.0):
    """accum = accum * momentum - lr * grad; var += accum (nesterov: var += accum * momentum -
    lr * grad)."""
    w, a = _own(var), _own(accum)
    _decay(xp, w, lr, wd)
    g = _grad(grad, w, var)
    step = g * _scalar(lr, w.dtype)
    a *= momentum
    a -= step
    if nesterov:
        w += a * momentum - step
    else:
        w += a


@_declare("ResourceApplyAdam")
def apply_adam(xp, grad, lr, step, *, var, m, v, vhat, beta_1, beta_2, epsilon, wd=0.0):
    """Adam (Kingma & Ba): m, v moving averages of g and g^2, bias-corrected step size.
    With `vhat` (amsgrad), the running maximum of v is used."""
    w, mm, vv = _own(var), _own(m), _own(v)
    dtype = w.dtype
    _decay(xp, w, lr, wd)
    g = _grad(grad, w, var)
    t = step.astype("float64") + 1.0
    alpha = _scalar(lr * xp.sqrt(1.0 - beta_2 ** t) / (1.0 - beta_1 ** t), dtype)
    tmp = g - mm
    tmp *= 1.0 - beta_1
    mm += tmp
    xp.multiply(g, g, out=tmp)
    tmp -= vv
    tmp *= 1.0 - beta_2
    vv += tmp
    if vhat is not None:
        vh = _own(vhat)
        xp.maximum(vh, vv, out=vh)
        vv = vh
    # w -= alpha * m / (sqrt(v) + eps), in the scratch array: no allocation per step.
    xp.sqrt(vv, out=tmp)
    tmp += epsilon
    xp.divide(mm, tmp, out=tmp)
    tmp *= alpha
    w -= tmp


@_declare("ResourceApplyAdaMax")
def apply_adamax(xp, grad, lr, step, *, var, m, u, beta_1, beta_2, epsilon, wd=0.0):
    """Adamax: Adam with the infinity norm, u = max(beta_2 * u, |g|)."""
    w, mm, uu = _own(var), _own(m), _own(u)
    dtype = w.dtype
    _decay(xp, w, lr, wd)
    g = _grad(grad, w, var)
    t = step.astype("float64") + 1.0
    tmp = g - mm
    tmp *= 1.0 - beta_1
    mm += tmp
    uu *= beta_2
    xp.maximum(uu, xp.abs(g), out=uu)
    xp.add(uu, epsilon, out=tmp)
    tmp *= _scalar(1.0 - beta_1 ** t, dtype)
    update = mm * _scalar(lr, dtype)
    update /= tmp
    w -= update


@_declare("ResourceApplyKerasNadam")
def apply_keras_nadam(xp, grad, lr, step, u_product, *, var, m, v, beta_1, beta_2, epsilon,
                      wd=0.0):
    """Nadam as Keras 3 computes it (Dozat's momentum schedule, decay 0.96 per step)."""
    w, mm, vv = _own(var), _own(m), _own(v)
    dtype = w.dtype
    _decay(xp, w, lr, wd)
    g = _grad(grad, w, var)
    t = step.astype("float64") + 1.0
    u_t = beta_1 * (1.0 - 0.5 * 0.96 ** t)
    u_t_1 = beta_1 * (1.0 - 0.5 * 0.96 ** (t + 1.0))
    u_prod = u_product.astype("float64")
    u_prod_1 = u_prod * u_t_1
    tmp = g - mm
    tmp *= 1.0 - beta_1
    mm += tmp
    xp.multiply(g, g, out=tmp)
    tmp -= vv
    tmp *= 1.0 - beta_2
    vv += tmp
    m_hat = mm * _scalar(u_t_1 / (1.0 - u_prod_1), dtype)
    m_hat += g * _scalar((1.0 - u_t) / (1.0 - u_prod), dtype)
    xp.divide(vv, _scalar(1.0 - beta_2 ** t, dtype), out=tmp)
    xp.sqrt(tmp, out=tmp)
    tmp += epsilon
    m_hat *= _scalar(lr, dtype)
    m_hat /= tmp
    w -= m_hat


@_declare("ResourceApplyRMSProp")
def apply_rmsprop(xp, grad, lr, *, var, ms, mom, mg, rho, momentum, epsilon, wd=0.0):
    """RMSprop: ms = rho ms + (1 - rho) g^2; step = lr g / sqrt(ms + eps) (centered: ms - mg^2);
    with momentum, mom = momentum mom + step and var -= mom."""
    w, s = _own(var), _own(ms)
    dtype = w.dtype
    _decay(xp, w, lr, wd)
    g = _grad(grad, w, var)
    s *= rho
    s += (1.0 - rho) * (g * g)
    if mg is not None:
        a = _own(mg)
        a *= rho
        a += (1.0 - rho) * g
        denominator = s - a * a
        denominator += epsilon
    else:
        denominator = s + epsilon
    xp.sqrt(denominator, out=denominator)
    increment = g * _scalar(lr, dtype)
    increment /= denominator
    if mom is not None:
        mo = _own(mom)
        mo *= momentum
        mo += increment
        w -= mo
    else:
        w -= increment


@_declare("ResourceApplyKerasAdagrad")
def apply_keras_adagrad(xp, grad, lr, *, var, accum, epsilon, wd=0.0):
    """Adagrad as Keras 3: accum += g^2; var -= lr g / sqrt(accum + eps) (TensorFlow's
    ResourceApplyAdagradV2 puts eps outside the square root)."""
    w, a = _own(var), _own(accum)
    dtype = w.dtype
    _decay(xp, w, lr, wd)
    g = _grad(grad, w, var)
    a += g * g
    denominator = a + epsilon
    xp.sqrt(denominator, out=denominator)
    update = g * _scalar(lr, dtype)
    update /= denominator
    w -= update


@_declare("ResourceApplyAdadelta")
def apply_adadelta(xp, grad, lr, *, var, accum, accum_update, rho, epsilon, wd=0.0):
    """Adadelta (Zeiler): step = sqrt(accum_update + eps) / sqrt(accum + eps) * g."""
    w, a, au = _own(var), _own(accum), _own(accum_update)
    dtype = w.dtype
    _decay(xp, w, lr, wd)
    g = _grad(grad, w, var)
    a *= rho
    a += (1.0 - rho) * (g * g)
    delta = xp.sqrt(au + epsilon)
    delta *= g
    delta /= xp.sqrt(a + epsilon)
    au *= rho
    au += (1.0 - rho) * (delta * delta)
    delta *= _scalar(lr, dtype)
    w -= delta


@_declare("ResourceApplyKerasLion")
def apply_keras_lion(xp, grad, lr, *, var, m, beta_1, beta_2, wd=0.0):
    """Lion (Chen et al., 2023): w -= lr sign(beta_1 m + (1 - beta_1) g);
    m = beta_2 m + (1 - beta_2) g."""
    w, mm = _own(var), _own(m)
    dtype = w.dtype
    _decay(xp, w, lr, wd)
    g = _grad(grad, w, var)
    step = mm * beta_1
    step += g * (1.0 - beta_1)
    xp.sign(step, out=step)
    step *= _scalar(lr, dtype)
    w -= step
    mm *= beta_2
    mm += g * (1.0 - beta_2)


@_declare("ResourceApplyKerasLamb")
def apply_keras_lamb(xp, grad, lr, step, *, var, m, v, beta_1, beta_2, epsilon, wd=0.0):
    """LAMB (You et al., 2019): Adam's step rescaled by ||w|| / ||step|| per variable."""
    w, mm, vv = _own(var), _own(m), _own(v)
    dtype = w.dtype
    _decay(xp, w, lr, wd)
    g = _grad(grad, w, var)
    t = step.astype("float64") + 1.0
    tmp = g - mm
    tmp *= 1.0 - beta_1
    mm += tmp
    xp.multiply(g, g, out=tmp)
    tmp -= vv
    tmp *= 1.0 - beta_2
    vv += tmp
    xp.divide(vv, _scalar(1.0 - beta_2 ** t, dtype), out=tmp)
    xp.sqrt(tmp, out=tmp)
    tmp += epsilon
    update = mm / _scalar(1.0 - beta_1 ** t, dtype)
    update /= tmp
    w_norm = xp.sqrt(xp.sum(w * w))
    g_norm = xp.sqrt(xp.sum(update * update))
    one = xp.ones((), dtype)
    ratio = xp.where(w_norm > 0, xp.where(g_norm > 0, w_norm / xp.where(g_norm > 0, g_norm, one),
                                          one), one).astype(dtype)
    update *= ratio * _scalar(lr, dtype)
    w -= update


def run(opdef, inputs: tuple, attrs: dict) -> None:
    """Executes one fused update (eagerly, or as a node of the graph being traced)."""
    execute(opdef, inputs, attrs)
