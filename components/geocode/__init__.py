"""Geocoding: fill missing coordinates offline (GeoNames) or with Nominatim, via geopy.

Public names are re-exported from ``components.geocode.geocoder``; the batch command is
``python -m components.geocode CSV``.
"""

from components.geocode.geocoder import *  # noqa: F403
