"""An analyst's own file of sites, from upload to its own map layer (pure; no Streamlit).

* ``geofile``  - GeoJSON, KML and GeoPackage point features as a table (pyogrio).
* ``columns``  - other tools' column and country names read as the atlas's.
* ``pipeline`` - read (CSV via :mod:`components.data.reading`, or a GIS file), match
  columns, validate with the atlas's own validator, geocode; its names are re-exported
  here, so ``from components import upload`` then ``upload.check_upload(...)``.
"""

from components.upload.pipeline import *  # noqa: F403
from components.upload.pipeline import __all__  # noqa: F401
