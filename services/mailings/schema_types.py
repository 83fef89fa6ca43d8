"""Field types the request bodies of several slices share (pydantic annotations)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

# A database id: a positive bigint.
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]
# A campaign's or a label format's name, on one line.
Name = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[^\r\n]*$")]
