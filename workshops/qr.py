"""The join link as a QR code: an SVG drawn on the server with segno, for the facilitator's
invite panel and the projector's "present" view (workshops.views.join_qr)."""

from __future__ import annotations

import io

import segno

# Medium error correction survives a projector's glare and a phone held at an angle; a quiet
# zone of four modules is what scanners expect around the code.
ERROR_LEVEL = "m"
QUIET_ZONE = 4
DARK = "#1f2937"


def join_qr_svg(url: str) -> str:
    """A scalable SVG of `url` (no width or height: the page sizes it)."""
    code = segno.make(url, error=ERROR_LEVEL)
    out = io.BytesIO()
    code.save(
        out,
        kind="svg",
        xmldecl=False,
        svgns=True,
        border=QUIET_ZONE,
        dark=DARK,
        light="#ffffff",
        omitsize=True,
        nl=False,
        title="QR code of the workshop's join link",
    )
    return out.getvalue().decode()
