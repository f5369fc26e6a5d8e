"""tf.train: re-exports of the public functions of that namespace."""

from tensorweave.saving.checkpoint import Checkpoint  # noqa: F401,E402
from tensorweave.saving.checkpoint_management import (CheckpointManager,  # noqa: F401,E402
                                                      CheckpointReader, list_variables,
                                                      load_checkpoint, load_variable)
from tensorweave.saving.checkpoint_state import latest_checkpoint  # noqa: F401,E402
from tensorweave.data.example_proto import (BytesList, Example, Feature,  # noqa: F401,E402
                                            FeatureList, FeatureLists, Features, FloatList,
                                            Int64List, SequenceExample)
