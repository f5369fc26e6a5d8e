"""keras.saving: model files (.keras, .h5, SavedModel-style folders), weights and serialization."""

from tensorweave.keras.saving.object_registry import (CustomObjectScope,  # noqa: F401
                                                      custom_object_scope, get_custom_objects,
                                                      get_registered_name,
                                                      get_registered_object,
                                                      register_keras_serializable)
from tensorweave.keras.saving.saving_api import (load_model, load_weights,  # noqa: F401
                                                 save_model, save_weights)
from tensorweave.keras.saving.serialization import (SafeModeScope,  # noqa: F401
                                                    deserialize_keras_object,
                                                    enable_unsafe_deserialization,
                                                    serialize_keras_object)
