"""Detection: chunks of text and compiled rules in, redacted findings out.

The raw secret exists only inside this package; it knows nothing of output.
"""

from byok_ci.detect.engine import Detector

__all__ = ["Detector"]
