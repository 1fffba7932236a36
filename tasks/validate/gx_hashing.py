"""GX's batch hashing switched off: the one place the product sets a GX internal.

GX hashes every frame below 1 GB for a batch marker (`pandas_data_fingerprint`) nothing here
reads: a third of a second per table at a million contacts. Its module constant
`HASH_THRESHOLD` is GX's own switch for it, undeclared in its typing and undocumented; a test
says when a GX release moves or drops it (this then only costs that time again).
"""

from __future__ import annotations

import sys
from typing import Final

ENGINE: Final = "great_expectations.execution_engine.pandas_execution_engine"
THRESHOLD: Final = "HASH_THRESHOLD"  # frames smaller than this many bytes are hashed


def skip_frame_hashing() -> bool:
    """Hash no frame for GX's batch marker, once GX is imported; whether the switch was found."""
    engine = sys.modules.get(ENGINE)
    if engine is None or not hasattr(engine, THRESHOLD):
        return False
    vars(engine)[THRESHOLD] = 0  # its typing does not declare the constant
    return True
