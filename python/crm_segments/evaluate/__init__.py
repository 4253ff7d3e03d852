"""Measuring the results against a truth: entity resolution against ground truth
(``dedup``), the next-best-action propensities in a backtest (``nba``), and the libphonenumber
reference for the phone standardization (``phone_oracle``; needs the dev extra
``phonenumbers``), and the search for erased persons' identifiers everywhere the project writes
(``erasure_check``; reads phones with ``phonenumbers``)."""
