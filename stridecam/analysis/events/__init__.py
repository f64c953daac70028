"""Contacts (touchdown, toe-off) from a ``Track`` (pure).

- ``signals``: label-free foot signals (lowest foot point, stance-like motion, toe tip).
- ``segments``: where the contacts are (stretches of samples with a foot on the ground).
- ``detect``: when (touchdown and toe-off times), which foot (alternation), the contacts table.
"""

from stridecam.analysis.events.detect import assign_feet, detect_contacts

__all__ = ["assign_feet", "detect_contacts"]
