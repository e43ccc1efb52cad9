"""``python -m components.data validate [DIR]``: check a folder of atlas CSVs."""

from components.data.tables import main

raise SystemExit(main())
