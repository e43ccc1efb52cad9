"""``python -m components.geocode CSV``: fill missing coordinates in a sites CSV."""

from components.geocode.geocoder import main

raise SystemExit(main())
