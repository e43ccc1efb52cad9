"""The atlas's data: the four CSV tables, their validation, vocabulary and time.

``components.data.tables`` holds the schemas, reading and validation; its public names
are re-exported here, so ``from components.data import load_atlas`` is the way in.
Run ``python -m components.data validate [DIR]`` to check a folder of CSVs.
"""

from components.data.tables import *  # noqa: F403
