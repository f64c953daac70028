"""The edges: everything that reads or writes the outside world.

- ``video``: decoding (PyAV) with true timestamps, rotation and capture-rate scaling.
- ``pose``: the MediaPipe stage (frames -> ``Poses`` of one athlete).
- ``model_files``: find a pose model (option, environment, bundled, cache, verified download).
- ``store``: atomic writes, landmarks as Parquet + JSON, run outputs.

Submodules are imported where used (``from stridecam.io.store import ...``): importing this
package loads none of PyAV, OpenCV or MediaPipe.
"""

__all__ = ["model_files", "pose", "store", "video"]
