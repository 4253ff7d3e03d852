"""The synthetic data generator: raw extracts in the contract with their ground truth.

``generate`` (``crm-segments generate``) writes them; the other modules are its parts: the
rates (``config``), people and households (``people``, ``ids``, ``text``, ``names``), their
activity (``activity``), the campaigns with planted effects (``campaigns``) and the deliberate
garbage (``garbage``)."""
