"""tf.config: devices, their logical split, and runtime switches."""

from __future__ import annotations

from typing import NamedTuple

from tensorweave.framework import context
from tensorweave.framework.context import DEVICES, ctx


class PhysicalDevice(NamedTuple):
    """A device of this machine, named as TensorFlow names it: '/physical_device:CPU:0'."""

    name: str
    device_type: str


class LogicalDevice(NamedTuple):
    """A device ops can be placed on: '/device:CPU:0'."""

    name: str
    device_type: str


class LogicalDeviceConfiguration(NamedTuple):
    """One logical device carved out of a physical one (memory_limit in MB, for GPUs)."""

    memory_limit: int | None = None
    experimental_priority: int | None = None
    experimental_device_ordinal: int | None = None


def list_physical_devices(device_type: str | None = None) -> list:
    """The physical devices, optionally only those of one type ('CPU' or 'GPU')."""
    found = [PhysicalDevice("/physical_device:CPU:0", "CPU")]
    found += [PhysicalDevice(f"/physical_device:GPU:{i}", "GPU")
              for i in range(DEVICES.physical_gpu_count())]
    if device_type is not None:
        found = [d for d in found if d.device_type == device_type.upper()]
    return found


def list_logical_devices(device_type: str | None = None) -> list:
    """The logical devices ops can be placed on."""
    DEVICES.initialized = True
    found = [LogicalDevice(f"/device:CPU:{d.index}", "CPU") for d in DEVICES.cpus]
    found += [LogicalDevice(f"/device:GPU:{d.index}", "GPU") for d in DEVICES.gpus]
    if device_type is not None:
        found = [d for d in found if d.device_type == device_type.upper()]
    return found


def _check_not_initialized(what: str) -> None:
    if DEVICES.initialized:
        raise RuntimeError(f"{what} cannot be modified after the logical devices have been "
                           "initialized.")


def set_logical_device_configuration(device: PhysicalDevice, logical_devices) -> None:
    """Splits one physical device into several logical ones (before any is used)."""
    _check_not_initialized("Virtual devices")
    configs = list(logical_devices) if logical_devices is not None else None
    if device.device_type == "CPU":
        DEVICES.cpu_configs = configs
        DEVICES._cpus = None
        fresh = DEVICES.cpus
        fresh[0] = context.CPU0  # CPU:0 stays the same object: tensors already made live there
        DEVICES._cpus = fresh
    else:
        DEVICES.gpu_configs[int(device.name.rsplit(":", 1)[1])] = configs
        DEVICES._gpus = None


def get_logical_device_configuration(device: PhysicalDevice):
    if device.device_type == "CPU":
        return DEVICES.cpu_configs
    return DEVICES.gpu_configs.get(int(device.name.rsplit(":", 1)[1]))


def set_visible_devices(devices, device_type: str | None = None) -> None:
    _check_not_initialized("Visible devices")
    devices = [devices] if isinstance(devices, PhysicalDevice) else list(devices)
    if device_type is None or device_type.upper() == "GPU":
        DEVICES.visible_gpus = [int(d.name.rsplit(":", 1)[1]) for d in devices
                                if d.device_type == "GPU"]
        DEVICES._gpus = None


def get_visible_devices(device_type: str | None = None) -> list:
    visible = list_physical_devices("CPU")
    gpus = list_physical_devices("GPU")
    if DEVICES.visible_gpus is not None:
        gpus = [g for g in gpus if int(g.name.rsplit(":", 1)[1]) in DEVICES.visible_gpus]
    visible += gpus
    if device_type is not None:
        visible = [d for d in visible if d.device_type == device_type.upper()]
    return visible


_memory_growth: dict = {}


def set_memory_growth(device: PhysicalDevice, enable: bool) -> None:
    """Accepted for compatibility: CuPy's memory pool already grows on demand."""
    _memory_growth[device.name] = bool(enable)


def get_memory_growth(device: PhysicalDevice) -> bool:
    return _memory_growth.get(device.name, False)


def set_soft_device_placement(enabled: bool) -> None:
    ctx.soft_placement = bool(enabled)


def get_soft_device_placement() -> bool:
    return ctx.soft_placement
