"""How many examples a property test draws: its own count in the repeatable profile, scaled up when fuzzing.

`tests/conftest.py` registers the profiles. A test that wants a count other than the profile's passes it
through `examples(n)`: `n` under the repeatable profile (whose default is 100 a test), `n * scale` under
`HYPOTHESIS_PROFILE=fuzz`, so a slow test stays relatively short while fuzzing too.
"""

from __future__ import annotations

from hypothesis import settings

#: The repeatable profile's count; the loaded profile's count over it is the scale.
BASE_EXAMPLES = 100


def examples(n: int) -> int:
    """`n` scaled by the loaded profile (read when the test module is imported, after `conftest.py`)."""
    return max(1, n * settings.default.max_examples // BASE_EXAMPLES)
