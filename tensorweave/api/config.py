"""tf.config and tf.config.experimental."""

import types as _types

from tensorweave.framework.config import (LogicalDevice, LogicalDeviceConfiguration,  # noqa: F401
                                          PhysicalDevice, get_logical_device_configuration,
                                          get_memory_growth, get_soft_device_placement,
                                          get_visible_devices, list_logical_devices,
                                          list_physical_devices, set_logical_device_configuration,
                                          set_memory_growth, set_soft_device_placement,
                                          set_visible_devices)
from tensorweave.graph.config import (functions_run_eagerly, optimizer,  # noqa: F401
                                      run_functions_eagerly)

experimental = _types.SimpleNamespace(
    list_physical_devices=list_physical_devices,
    list_logical_devices=list_logical_devices,
    set_memory_growth=set_memory_growth,
    get_memory_growth=get_memory_growth,
    set_visible_devices=set_visible_devices,
    get_visible_devices=get_visible_devices,
    set_virtual_device_configuration=set_logical_device_configuration,
    get_virtual_device_configuration=get_logical_device_configuration,
    VirtualDeviceConfiguration=LogicalDeviceConfiguration,
)

from tensorweave.framework import threading_config as _threading  # noqa: E402

threading = _types.SimpleNamespace(
    set_intra_op_parallelism_threads=_threading.set_intra_op_parallelism_threads,
    get_intra_op_parallelism_threads=_threading.get_intra_op_parallelism_threads,
    set_inter_op_parallelism_threads=_threading.set_inter_op_parallelism_threads,
    get_inter_op_parallelism_threads=_threading.get_inter_op_parallelism_threads,
)
